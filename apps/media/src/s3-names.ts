import { S3Error } from './s3-error.js';

/** S3 bucket naming rules (3-63 chars, lowercase letters, digits, '.', '-', not an IP address). */
export function checkBucketName(name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.');
  }
  if (['healthz', 'readyz', 'metrics'].includes(name)) throw new S3Error('InvalidBucketName', 400, `The bucket name "${name}" is reserved by this server.`);
}

/** Object keys: 1..1024 UTF-8 bytes, no NUL, no `.` or `..` path segments (path traversal is refused, not resolved). */
export function checkObjectKey(key: string): void {
  if (key.length === 0) throw new S3Error('InvalidArgument', 400, 'object key is empty');
  if (Buffer.byteLength(key) > 1024) throw new S3Error('KeyTooLongError', 400, 'Your key is too long');
  if (key.includes('\0')) throw new S3Error('InvalidArgument', 400, 'object key contains a NUL character');
  if (key.split('/').some((seg) => seg === '.' || seg === '..')) throw new S3Error('InvalidArgument', 400, "object key may not contain '.' or '..' path segments");
}

/** Parses a single `Range: bytes=…` against `size`: [start, end] inclusive, undefined = whole object. */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) {
    if (/^bytes=.+,/.test(header)) return undefined; // several ranges: S3 answers the whole object
    throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable');
  }
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable');
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable');
  }
  if (start >= size) throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable');
  return [start, end];
}
