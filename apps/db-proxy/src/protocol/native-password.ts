// mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const NATIVE_PASSWORD = 'mysql_native_password';

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA1(SHA1(password)): what the server stores (`*HEX` in mysql.user). */
export function passwordHash(password: string): Buffer {
  return sha1(sha1(Buffer.from(password, 'utf8')));
}

/** Parses `*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9` (41 characters) into the 20-byte stored hash. */
export function parseStoredHash(text: string): Buffer | undefined {
  if (!/^\*[0-9A-Fa-f]{40}$/.test(text)) return undefined;
  return Buffer.from(text.slice(1), 'hex');
}

/** The client's answer to a scramble (empty for an empty password). */
export function scramblePassword(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const stage2 = sha1(stage1);
  const mix = sha1(scramble.subarray(0, 20), stage2);
  const out = Buffer.allocUnsafe(20);
  for (let i = 0; i < 20; i++) out[i] = stage1[i]! ^ mix[i]!;
  return out;
}

/**
 * Checks a client's answer against the stored hash SHA1(SHA1(password)); `hash` undefined means an
 * empty password (the answer must be empty).
 */
export function verifyNativePassword(answer: Buffer, scramble: Buffer, hash: Buffer | undefined): boolean {
  if (!hash) return answer.length === 0;
  if (answer.length !== 20) return false;
  const mix = sha1(scramble.subarray(0, 20), hash);
  const stage1 = Buffer.allocUnsafe(20);
  for (let i = 0; i < 20; i++) stage1[i] = answer[i]! ^ mix[i]!;
  return timingSafeEqual(sha1(stage1), hash);
}

/** 20 random printable bytes (no NUL: the second part of the scramble is NUL-terminated on the wire). */
export function newScramble(): Buffer {
  const b = randomBytes(20);
  for (let i = 0; i < 20; i++) b[i] = 0x21 + (b[i]! % 94);
  return b;
}
