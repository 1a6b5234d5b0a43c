import { LB_ERRORS, type LbErrorCode } from './errors.js';

/**
 * The bytes of a response the LB generates itself (errors, redirects): short plain-text body,
 * `X-Served-By`, the stable error code in `X-Scaleout-Error`, never cached.
 */
export function lbErrorResponse(code: LbErrorCode, instance: string, close: boolean, method = 'GET'): Buffer {
  const { status, text } = LB_ERRORS[code];
  const body = `${status} ${text} (${code})\n`;
  const head =
    `HTTP/1.1 ${status} ${text}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cache-Control: no-store\r\n` +
    `X-Served-By: ${instance}\r\n` +
    `X-Scaleout-Error: ${code}\r\n` +
    (close ? 'Connection: close\r\n' : '') +
    '\r\n';
  return Buffer.from(method === 'HEAD' ? head : head + body, 'latin1');
}

/** A 308 redirect to `location` (HTTP→HTTPS). */
export function redirectResponse(location: string, instance: string, close: boolean): Buffer {
  const body = `Redirecting to ${location}\n`;
  return Buffer.from(
    `HTTP/1.1 308 Permanent Redirect\r\n` +
      `Location: ${location}\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Served-By: ${instance}\r\n` +
      (close ? 'Connection: close\r\n' : '') +
      `\r\n${body}`,
    'latin1',
  );
}
