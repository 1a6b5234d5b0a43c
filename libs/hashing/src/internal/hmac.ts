import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { HashingError } from '../hashing-error.js';

/** A signing secret: a string (its UTF-8 bytes) or raw bytes, at least 32 bytes long. */
export type SigningSecret = string | Uint8Array;

export const MIN_SECRET_BYTES = 32;
/** Length of an HMAC-SHA256 in unpadded base64url. */
const SIG_LENGTH = 43;

function toKey(secret: unknown, i: number): KeyObject {
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else throw new HashingError('HASH_ERR_SECRET_TOO_SHORT', `secret #${i} must be a string or bytes, got ${typeof secret}`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new HashingError(
      'HASH_ERR_SECRET_TOO_SHORT',
      `secret #${i} has ${bytes.length} bytes; at least ${MIN_SECRET_BYTES} are required`,
    );
  }
  return createSecretKey(bytes);
}

/** Validates secrets once; the first signs, all verify. */
export function toKeys(secrets: SigningSecret | readonly SigningSecret[]): KeyObject[] {
  const list = Array.isArray(secrets) ? (secrets as readonly SigningSecret[]) : [secrets as SigningSecret];
  if (list.length === 0) throw new HashingError('HASH_ERR_NO_SECRETS', 'at least one secret is required');
  return list.map(toKey);
}

function mac(key: KeyObject, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

export function signWith(key: KeyObject, value: unknown): string {
  if (typeof value !== 'string') {
    throw new HashingError('HASH_ERR_INVALID_VALUE', `only strings can be signed, got ${typeof value}`);
  }
  return `${value}.${mac(key, value)}`;
}

/** The value of `signed` when its signature matches one of `keys`, else null. */
export function unsignWith(keys: readonly KeyObject[], signed: unknown): string | null {
  if (typeof signed !== 'string') return null;
  const dot = signed.lastIndexOf('.');
  if (dot < 0 || signed.length - dot - 1 !== SIG_LENGTH) return null;
  const given = Buffer.from(signed.slice(dot + 1), 'utf8');
  if (given.length !== SIG_LENGTH) return null; // non-ASCII characters in the signature
  const value = signed.slice(0, dot);
  let ok = false;
  for (const key of keys) {
    // Every key is tried (no early exit); each comparison is constant-time over equal lengths.
    const expected = Buffer.from(mac(key, value), 'latin1');
    if (timingSafeEqual(given, expected)) ok = true;
  }
  return ok ? value : null;
}
