import * as crypto from 'node:crypto';

/**
 * MD5 of a string (UTF-8) or bytes as a Buffer. Uses the one-shot `crypto.hash` where the runtime has
 * it (Node >= 20.12 / 21.7): it skips the Hash object that `createHash` allocates per call.
 */
export const md5: (data: string | Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('md5', data, 'buffer')
    : (data) => crypto.createHash('md5').update(data).digest();

/** Four bytes of `bytes` starting at `offset`, read as a little-endian uint32 (how ketama reads digests). */
export function uint32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}
