import { allIn, closesConnection, FIELD_VALUE, TOKEN } from './http-chars.js';
import { fault, type ProtocolFault } from './errors.js';

/** How the body of a response is delimited. */
export type ResponseFraming = 'none' | 'length' | 'chunked' | 'close';

/** A parsed backend response head. Framing and hop-by-hop headers are not in `names`/`values`. */
export interface ResponseHead {
  status: number;
  reason: string;
  minor: 0 | 1;
  rawNames: string[];
  /** Lowercased names. */
  names: string[];
  values: string[];
  framing: ResponseFraming;
  contentLength: number;
  /** The backend will close (Connection: close, HTTP/1.0 without keep-alive, or close-delimited body). */
  close: boolean;
  /** Value of the Upgrade header (for 101). */
  upgrade: string | null;
  headBytes: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Hop-by-hop headers (RFC 9110 §7.6.1) and framing: never relayed as they came. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

/**
 * Parse a backend response head. Null when incomplete, a fault (always answered with 502) when
 * malformed: a backend is held to the same framing rules as a client.
 * `requestMethod` decides bodies for HEAD; 1xx, 204 and 304 never have one.
 */
export function parseResponseHead(buf: Buffer, maxBytes: number, requestMethod: string): ResponseHead | ProtocolFault | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > maxBytes) return fault('LB_ERR_BAD_RESPONSE', `response head over ${maxBytes} bytes`);
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) !== 'HTTP/') return fault('LB_ERR_BAD_RESPONSE', 'not an HTTP response');
    return null;
  }
  if (end + 4 > maxBytes) return fault('LB_ERR_BAD_RESPONSE', `response head over ${maxBytes} bytes`);
  const s = buf.toString('latin1', 0, end + 2);
  const lineEnd = s.indexOf('\r\n');
  // HTTP/1.1 200 OK
  if (lineEnd < 12 || !s.startsWith('HTTP/1.') || s.charCodeAt(8) !== 32) return fault('LB_ERR_BAD_RESPONSE', 'malformed status line');
  const minorC = s.charCodeAt(7);
  if (minorC !== 48 && minorC !== 49) return fault('LB_ERR_BAD_RESPONSE', 'unsupported response version');
  const status = Number(s.slice(9, 12));
  if (!/^[1-9]\d\d$/.test(s.slice(9, 12))) return fault('LB_ERR_BAD_RESPONSE', 'malformed status code');
  if (lineEnd > 12 && s.charCodeAt(12) !== 32) return fault('LB_ERR_BAD_RESPONSE', 'malformed status line');
  const reason = lineEnd > 13 ? s.slice(13, lineEnd) : '';
  if (!allIn(FIELD_VALUE, reason, 0, reason.length)) return fault('LB_ERR_BAD_RESPONSE', 'control character in the reason phrase');
  const minor = minorC === 49 ? 1 : 0;

  const rawNames: string[] = [];
  const names: string[] = [];
  const values: string[] = [];
  let contentLength = -1;
  let te: string | null = null;
  let sawClose = false;
  let sawKeepAlive = false;
  let upgrade: string | null = null;
  let extraHop: string[] | null = null;
  let pos = lineEnd + 2;
  const len = s.length;
  while (pos < len) {
    const eol = s.indexOf('\r\n', pos);
    const first = s.charCodeAt(pos);
    if (first === 32 || first === 9) return fault('LB_ERR_BAD_RESPONSE', 'obs-fold in a response header');
    const colon = s.indexOf(':', pos);
    if (colon <= pos || colon > eol || !allIn(TOKEN, s, pos, colon)) return fault('LB_ERR_BAD_RESPONSE', 'malformed response header');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    if (!allIn(FIELD_VALUE, s, vs, ve)) return fault('LB_ERR_BAD_RESPONSE', 'control character in a response header');
    const raw = s.slice(pos, colon);
    const name = raw.toLowerCase();
    const value = s.slice(vs, ve);
    pos = eol + 2;
    if (HOP_BY_HOP.has(name)) {
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) return fault('LB_ERR_BAD_RESPONSE', 'invalid Content-Length');
        const n = Number(value);
        if (contentLength !== -1 && contentLength !== n) return fault('LB_ERR_BAD_RESPONSE', 'conflicting Content-Length');
        contentLength = n;
      } else if (name === 'transfer-encoding') {
        te = te === null ? value.toLowerCase() : `${te}, ${value.toLowerCase()}`;
      } else if (name === 'connection') {
        for (const t of value.toLowerCase().split(',')) {
          const tok = t.trim();
          if (tok === 'close') sawClose = true;
          else if (tok === 'keep-alive') sawKeepAlive = true;
          else if (tok !== '' && tok !== 'upgrade') (extraHop ??= []).push(tok);
        }
      } else if (name === 'upgrade') {
        upgrade = value;
      }
      continue;
    }
    rawNames.push(raw);
    names.push(name);
    values.push(value);
  }
  if (extraHop !== null) {
    for (let i = names.length - 1; i >= 0; i--) {
      if (extraHop.includes(names[i]!)) {
        names.splice(i, 1);
        rawNames.splice(i, 1);
        values.splice(i, 1);
      }
    }
  }

  let close = closesConnection(minor, sawClose, sawKeepAlive);
  let framing: ResponseFraming;
  if ((status >= 100 && status < 200) || status === 204 || status === 304 || requestMethod === 'HEAD') {
    framing = 'none';
    // Keep the declared length of a HEAD/304 response: it describes the representation.
    if (contentLength !== -1 && status >= 200) {
      rawNames.push('Content-Length');
      names.push('content-length');
      values.push(String(contentLength));
    }
    contentLength = 0;
  } else if (te !== null) {
    if (contentLength !== -1) return fault('LB_ERR_BAD_RESPONSE', 'both Content-Length and Transfer-Encoding');
    if (te === 'chunked') framing = 'chunked';
    else if (/(^|,)\s*chunked\s*$/.test(te)) return fault('LB_ERR_BAD_RESPONSE', `unsupported transfer coding ${te}`);
    else {
      framing = 'close';
      close = true;
    }
  } else if (contentLength !== -1) {
    framing = 'length';
  } else {
    framing = 'close';
    close = true;
  }
  return { status, reason, minor, rawNames, names, values, framing, contentLength, close, upgrade, headBytes: end + 4 };
}
