import type { RequestHead } from '../request-head.js';
import type { CacheObject } from './cache-object.js';
import { etagMatches, parseHttpDate } from './freshness.js';

/** Headers a 304 carries from the stored response (RFC 9110 §15.4.5). */
const IN_304 = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified', 'surrogate-key', 'x-served-by']);

/** The client's conditional request is satisfied by `o` (If-None-Match first, then If-Modified-Since). */
export function notModified(o: CacheObject, h: RequestHead): boolean {
  if (o.status !== 200) return false;
  const inm = h.names.indexOf('if-none-match');
  if (inm >= 0) return etagMatches(h.values[inm]!, o.freshness.etag);
  const ims = h.names.indexOf('if-modified-since');
  if (ims < 0 || o.freshness.lastModified === null) return false;
  const since = parseHttpDate(h.values[ims]);
  return !Number.isNaN(since) && o.freshness.lastModified <= since;
}

/**
 * The bytes of a response served from the cache: the stored head, `Age`, `X-Cache`, `Via`, the
 * connection header, then the body (none for HEAD); a 304 when the client's validators match.
 */
export function cachedResponse(o: CacheObject, h: RequestHead, now: number, xcache: string, via: string | null, close: boolean): Buffer {
  const age = Math.floor(o.ageMs(now) / 1000);
  let tail = `Age: ${age}\r\nX-Cache: ${xcache}\r\n`;
  if (via !== null) tail += `Via: 1.1 ${via}\r\n`;
  if (close) tail += 'Connection: close\r\n';
  else if (h.minor === 0) tail += 'Connection: keep-alive\r\n';
  tail += '\r\n';
  if (notModified(o, h)) {
    let s = 'HTTP/1.1 304 Not Modified\r\n';
    const sh = o.headers;
    for (let i = 0; i < sh.names.length; i++) if (IN_304.has(sh.names[i]!)) s += `${sh.rawNames[i]}: ${sh.values[i]}\r\n`;
    return Buffer.from(s + tail, 'latin1');
  }
  const prefix = o.headPrefix;
  const body = h.method === 'HEAD' ? null : o.body;
  const out = Buffer.allocUnsafe(prefix.length + tail.length + (body === null ? 0 : body.length));
  prefix.copy(out, 0);
  const at = prefix.length + out.write(tail, prefix.length, 'latin1');
  if (body !== null) body.copy(out, at);
  return out;
}
