import { randomBytes } from 'node:crypto';
import { checkIdBytes } from './internal/id-size.js';

/**
 * A random id: `bytes` bytes (default 16 = 128 bits) from the CSPRNG, base64url without padding
 * (22 characters for 16 bytes). Fewer than 16 bytes is refused with `HASH_ERR_ID_TOO_SHORT`.
 */
export function randomId(bytes = 16): string {
  return randomBytes(checkIdBytes(bytes)).toString('base64url');
}
