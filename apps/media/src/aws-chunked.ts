import { S3Error } from './s3-error.js';

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n`)
 * as sent with `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER` (the AWS SDK's default for
 * streamed uploads with checksums). Returns the data and the trailer headers.
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error('IncompleteBody', 400, 'aws-chunked body ends inside a chunk header');
    const sizeHex = body.subarray(at, eol).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeHex)) throw new S3Error('InvalidArgument', 400, 'malformed aws-chunked chunk size');
    const size = parseInt(sizeHex, 16);
    at = eol + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length) throw new S3Error('IncompleteBody', 400, 'aws-chunked body is truncated');
    parts.push(body.subarray(at, at + size));
    at += size;
    if (body[at] !== 13 || body[at + 1] !== 10) throw new S3Error('InvalidArgument', 400, 'malformed aws-chunked chunk end');
    at += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(at).toString('latin1').split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) trailers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}
