// Character classes of RFC 9110/9112, as 256-entry lookup tables (1 = allowed).

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const TCHAR_EXTRA = "!#$%&'*+-.^_`|~";

/** tchar: the characters of a token (method, header name). */
export const TOKEN = table(
  (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || TCHAR_EXTRA.includes(String.fromCharCode(c)),
);

/** field-vchar / SP / HTAB / obs-text: what a header value may contain (no CTL, no DEL). */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** Visible ASCII without space: the request-target. */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/** Characters of a Host header value (reg-name, IPv4, [IPv6], :port). */
export const HOST = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    "-._~!$&'()*+,;=:[]%".includes(String.fromCharCode(c)),
);

/** Hex digit values, -1 for others. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) {
  if (c >= 0x30 && c <= 0x39) HEX[c] = c - 0x30;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 10;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 10;
}

/** Whether every character of s[from, to) is allowed by `t`. */
export function allIn(t: Uint8Array, s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || t[c] === 0) return false;
  }
  return true;
}

/**
 * Whether a message's connection ends after it, from its HTTP minor version and the Connection tokens
 * seen (RFC 9112 §9.3): `close` always wins; HTTP/1.0 stays open only with `keep-alive`.
 */
export function closesConnection(minor: number, sawClose: boolean, sawKeepAlive: boolean): boolean {
  return sawClose || (minor === 0 && !sawKeepAlive);
}
