import { HashingError } from '../hashing-error.js';

/** Smallest id accepted: 16 bytes = 128 bits of randomness. */
export const MIN_ID_BYTES = 16;
/** Largest id accepted (a sanity bound). */
export const MAX_ID_BYTES = 1024;

export function checkIdBytes(bytes: unknown): number {
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes > MAX_ID_BYTES) {
    throw new HashingError(
      'HASH_ERR_INVALID_ID_SIZE',
      `id size must be an integer number of bytes in ${MIN_ID_BYTES}..${MAX_ID_BYTES}, got ${String(bytes)}`,
    );
  }
  if (bytes < MIN_ID_BYTES) {
    throw new HashingError(
      'HASH_ERR_ID_TOO_SHORT',
      `ids need at least ${MIN_ID_BYTES} random bytes (128 bits), got ${bytes}`,
    );
  }
  return bytes;
}

/** Length of the unpadded base64url encoding of `bytes` bytes. */
export function base64urlLength(bytes: number): number {
  return Math.floor(bytes / 3) * 4 + [0, 2, 3][bytes % 3];
}
