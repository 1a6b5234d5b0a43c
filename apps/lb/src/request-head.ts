import { allIn, closesConnection, FIELD_VALUE, HOST, TARGET, TOKEN } from './http-chars.js';
import { fault, type ProtocolFault } from './errors.js';

/** Limits applied while parsing a request head. */
export interface HeadLimits {
  /** Bytes of the whole head (request line + headers + final CRLF). Over it: 431. */
  maxHeaderBytes: number;
  /** Number of header lines. Over it: 431. */
  maxHeaders: number;
  /** Bytes of the request-target. Over it: 414. */
  maxUrlBytes: number;
}

/** A parsed, validated HTTP/1.x request head. Header names are kept as sent and lowercased. */
export interface RequestHead {
  method: string;
  /** origin-form target (absolute-form is reduced to its path and query; `*` for OPTIONS *). */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** Lowercased header names, in order. */
  names: string[];
  /** Header names as sent. */
  rawNames: string[];
  values: string[];
  /** Host without port, lowercased ('' when absent on HTTP/1.0). */
  hostname: string;
  /** Host header value as sent (or the authority of an absolute-form target). */
  host: string;
  /** Declared Content-Length, -1 when absent. */
  contentLength: number;
  /** Transfer-Encoding: chunked. */
  chunked: boolean;
  /** Connection: close (or HTTP/1.0 without keep-alive). */
  close: boolean;
  /** Lowercased tokens of the Connection header (names of further hop-by-hop headers). */
  connectionTokens: string[] | null;
  /** Upgrade protocol (lowercased) when `Connection: upgrade` and `Upgrade:` are both present. */
  upgrade: string | null;
  /** Concatenated Cookie header values ('' when none). */
  cookie: string;
  /** Idempotency-Key present. */
  idempotencyKey: boolean;
  /** Length of the head in bytes, including the blank line (and skipped leading CRLFs). */
  headBytes: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Parse a request head from `buf`. Returns null when the head is not complete yet (and no limit is
 * broken so far), a {@link ProtocolFault} for a malformed or over-limit head, or the head.
 *
 * Strict by design: CRLF line ends only, no obs-fold, no whitespace before the colon, token header
 * names, no control characters in values, exactly one Host on HTTP/1.1, one Content-Length of digits,
 * Transfer-Encoding exactly `chunked` and never together with Content-Length.
 */
export function parseRequestHead(buf: Buffer, limits: HeadLimits): RequestHead | ProtocolFault | null {
  // RFC 9112 §2.2: ignore at least one empty line before the request line.
  let skip = 0;
  while (skip + 1 < buf.length && buf[skip] === 13 && buf[skip + 1] === 10 && skip < 8) skip += 2;
  const end = buf.indexOf(CRLFCRLF, skip);
  if (end < 0) return incomplete(buf, skip, limits);
  const headBytes = end + 4;
  if (headBytes - skip > limits.maxHeaderBytes) {
    const lineEnd = buf.indexOf(10, skip);
    if (lineEnd - skip > limits.maxUrlBytes + 16) return fault('LB_ERR_URI_TOO_LONG', 'request line over the URL limit');
    return fault('LB_ERR_HEADERS_TOO_LARGE', `request head of ${headBytes - skip} bytes`);
  }
  const s = buf.toString('latin1', skip, end + 2);
  const len = s.length;

  // Request line.
  const lineEnd = s.indexOf('\r\n');
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 > lineEnd) return fault('LB_ERR_BAD_REQUEST', 'malformed request line');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > lineEnd) return fault('LB_ERR_BAD_REQUEST', 'malformed request line');
  if (!allIn(TOKEN, s, 0, sp1)) return fault('LB_ERR_BAD_REQUEST', 'invalid method');
  const method = s.slice(0, sp1);
  if (sp2 - sp1 - 1 > limits.maxUrlBytes) return fault('LB_ERR_URI_TOO_LONG', `request target of ${sp2 - sp1 - 1} bytes`);
  if (sp2 === sp1 + 1 || !allIn(TARGET, s, sp1 + 1, sp2)) return fault('LB_ERR_BAD_REQUEST', 'invalid request target');
  let target = s.slice(sp1 + 1, sp2);
  if (lineEnd - sp2 - 1 !== 8 || s.charCodeAt(sp2 + 1) !== 72 || !s.startsWith('HTTP/', sp2 + 1)) {
    return fault('LB_ERR_BAD_REQUEST', 'invalid HTTP version');
  }
  const major = s.charCodeAt(sp2 + 6);
  const dot = s.charCodeAt(sp2 + 7);
  const minorC = s.charCodeAt(sp2 + 8);
  if (dot !== 46 || major < 48 || major > 57 || minorC < 48 || minorC > 57) return fault('LB_ERR_BAD_REQUEST', 'invalid HTTP version');
  if (major !== 49 || minorC > 49) return fault('LB_ERR_VERSION', `HTTP/${String.fromCharCode(major)}.${String.fromCharCode(minorC)}`);
  const minor = minorC === 49 ? 1 : 0;
  if (method === 'CONNECT') return fault('LB_ERR_METHOD', 'CONNECT is not supported');

  let absoluteHost: string | null = null;
  if (target.charCodeAt(0) !== 47) {
    if (target === '*') {
      if (method !== 'OPTIONS') return fault('LB_ERR_BAD_REQUEST', 'asterisk-form target outside OPTIONS');
    } else {
      const m = /^https?:\/\/([^/?#@]+)([/?][^#]*)?$/i.exec(target);
      if (!m) return fault('LB_ERR_BAD_REQUEST', 'invalid request target');
      absoluteHost = m[1]!;
      const rest = m[2] ?? '/';
      target = rest.charCodeAt(0) === 63 ? `/${rest}` : rest;
    }
  } else if (target.indexOf('#') >= 0) {
    return fault('LB_ERR_BAD_REQUEST', 'fragment in request target');
  }

  // Header lines.
  const names: string[] = [];
  const rawNames: string[] = [];
  const values: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let teSeen = false;
  let host: string | null = null;
  let hostCount = 0;
  let connection: string[] | null = null;
  let upgradeValue: string | null = null;
  let cookie = '';
  let idempotencyKey = false;
  let pos = lineEnd + 2;
  while (pos < len) {
    const eol = s.indexOf('\r\n', pos);
    const first = s.charCodeAt(pos);
    if (first === 32 || first === 9) return fault('LB_ERR_BAD_HEADER', 'obs-fold (folded header line)');
    const colon = s.indexOf(':', pos);
    if (colon < 0 || colon > eol) return fault('LB_ERR_BAD_HEADER', 'header line without a colon');
    if (colon === pos || !allIn(TOKEN, s, pos, colon)) return fault('LB_ERR_BAD_HEADER', 'invalid header name');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    if (!allIn(FIELD_VALUE, s, vs, ve)) return fault('LB_ERR_BAD_HEADER', 'control character in a header value');
    if (names.length >= limits.maxHeaders) return fault('LB_ERR_HEADERS_TOO_LARGE', `more than ${limits.maxHeaders} header lines`);
    const raw = s.slice(pos, colon);
    const name = raw.toLowerCase();
    const value = s.slice(vs, ve);
    pos = eol + 2;
    switch (name) {
      case 'content-length':
        if (contentLength !== -1) return fault('LB_ERR_BAD_FRAMING', 'repeated Content-Length');
        if (!/^\d{1,15}$/.test(value)) return fault('LB_ERR_BAD_FRAMING', 'invalid Content-Length');
        contentLength = Number(value);
        continue; // framing headers are re-serialised, never copied
      case 'transfer-encoding': {
        if (teSeen) return fault('LB_ERR_BAD_FRAMING', 'repeated Transfer-Encoding');
        teSeen = true;
        const te = value.toLowerCase();
        if (te === 'chunked') chunked = true;
        else if (/(^|,)\s*chunked\s*$/.test(te) && te.split(',').filter((x) => x.trim() === 'chunked').length === 1) {
          return fault('LB_ERR_UNSUPPORTED_TE', `unsupported transfer coding ${JSON.stringify(value)}`);
        } else return fault('LB_ERR_BAD_FRAMING', `invalid Transfer-Encoding ${JSON.stringify(value)}`);
        continue;
      }
      case 'host':
        hostCount++;
        host = value;
        break;
      case 'connection': {
        const tokens = value.toLowerCase().split(',');
        for (const t of tokens) {
          const tok = t.trim();
          if (tok !== '') (connection ??= []).push(tok);
        }
        continue;
      }
      case 'upgrade':
        upgradeValue = value;
        break;
      case 'cookie':
        cookie = cookie === '' ? value : `${cookie}; ${value}`;
        break;
      case 'idempotency-key':
        idempotencyKey = value !== '';
        break;
    }
    names.push(name);
    rawNames.push(raw);
    values.push(value);
  }

  if (contentLength !== -1 && teSeen) return fault('LB_ERR_BAD_FRAMING', 'both Content-Length and Transfer-Encoding');
  if (teSeen && minor === 0) return fault('LB_ERR_BAD_FRAMING', 'Transfer-Encoding on HTTP/1.0');
  if (hostCount > 1) return fault('LB_ERR_BAD_REQUEST', 'repeated Host header');
  if (minor === 1 && hostCount === 0) return fault('LB_ERR_BAD_REQUEST', 'missing Host header');
  if (host !== null && !allIn(HOST, host, 0, host.length)) return fault('LB_ERR_BAD_REQUEST', 'invalid Host header');
  const effectiveHost = absoluteHost ?? host ?? '';
  if (absoluteHost !== null && !allIn(HOST, absoluteHost, 0, absoluteHost.length)) return fault('LB_ERR_BAD_REQUEST', 'invalid authority');

  let upgrade: string | null = null;
  let sawClose = false;
  let sawKeepAlive = false;
  if (connection !== null) {
    for (const tok of connection) {
      if (tok === 'close') sawClose = true;
      else if (tok === 'keep-alive') sawKeepAlive = true;
      else if (tok === 'upgrade' && upgradeValue !== null) upgrade = upgradeValue.toLowerCase();
    }
  }
  const close = closesConnection(minor, sawClose, sawKeepAlive);
  return {
    method,
    target,
    minor,
    names,
    rawNames,
    values,
    hostname: hostnameOf(effectiveHost),
    host: effectiveHost,
    contentLength,
    chunked,
    close,
    connectionTokens: connection,
    upgrade,
    cookie,
    idempotencyKey,
    headBytes,
  };
}

/** The head is not complete: decide whether a limit is already broken. */
function incomplete(buf: Buffer, skip: number, limits: HeadLimits): ProtocolFault | null {
  const have = buf.length - skip;
  const lineEnd = buf.indexOf(10, skip);
  if (lineEnd < 0) {
    if (have > limits.maxUrlBytes + 32) return fault('LB_ERR_URI_TOO_LONG', 'request line over the URL limit');
    if (have > limits.maxHeaderBytes) return fault('LB_ERR_HEADERS_TOO_LARGE', 'request head over the limit');
    return null;
  }
  if (have > limits.maxHeaderBytes) {
    if (lineEnd - skip > limits.maxUrlBytes + 16) return fault('LB_ERR_URI_TOO_LONG', 'request line over the URL limit');
    return fault('LB_ERR_HEADERS_TOO_LARGE', `request head over ${limits.maxHeaderBytes} bytes`);
  }
  // A bare LF (not after CR) can never become valid: fail early instead of waiting for the deadline.
  if (lineEnd === skip || buf[lineEnd - 1] !== 13) return fault('LB_ERR_BAD_REQUEST', 'bare LF line ending');
  return null;
}

/** `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`. */
export function hostnameOf(host: string): string {
  if (host === '') return '';
  if (host.charCodeAt(0) === 91) {
    const close = host.indexOf(']');
    return (close < 0 ? host : host.slice(0, close + 1)).toLowerCase();
  }
  const colon = host.indexOf(':');
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
}
