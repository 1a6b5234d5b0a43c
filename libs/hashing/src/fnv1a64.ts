import { HashingError } from './hashing-error.js';

// FNV-1a, 64-bit: h = 0xcbf29ce484222325; for each byte: h ^= byte; h *= 0x100000001b3 (mod 2^64).
// Strings are hashed as their UTF-8 bytes. The state is a (hi, lo) pair of uint32 numbers.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const PRIME_LO = 0x1b3; // the prime is 2^40 + 0x1b3
const TWO_32 = 4294967296;

/** Scratch state: state[0] = hi, state[1] = lo. */
export function fnvInit(state: Uint32Array): void {
  state[0] = OFFSET_HI;
  state[1] = OFFSET_LO;
}

function updateBytes(state: Uint32Array, bytes: Uint8Array): void {
  let hi = state[0];
  let lo = state[1];
  for (let i = 0; i < bytes.length; i++) {
    const x = (lo ^ bytes[i]) >>> 0;
    const t = x * PRIME_LO; // < 2^41, exact
    lo = t >>> 0;
    hi = (Math.imul(hi, PRIME_LO) + (t - lo) / TWO_32 + (x << 8)) >>> 0;
  }
  state[0] = hi;
  state[1] = lo;
}

/** Feeds one byte (used as a separator; 0xff never occurs in UTF-8). */
export function fnvUpdateByte(state: Uint32Array, byte: number): void {
  const x = (state[1] ^ byte) >>> 0;
  const t = x * PRIME_LO;
  const lo = t >>> 0;
  state[0] = (Math.imul(state[0], PRIME_LO) + (t - lo) / TWO_32 + (x << 8)) >>> 0;
  state[1] = lo;
}

/** Feeds a string (as UTF-8) or bytes. ASCII strings are hashed without encoding them first. */
export function fnvUpdate(state: Uint32Array, data: string | Uint8Array): void {
  if (typeof data !== 'string') {
    if (!(data instanceof Uint8Array)) {
      throw new HashingError('HASH_ERR_INVALID_KEY', `key must be a string or a Uint8Array, got ${typeof data}`);
    }
    updateBytes(state, data);
    return;
  }
  let hi = state[0];
  let lo = state[1];
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c >= 0x80) {
      // Non-ASCII: hash the UTF-8 encoding of the rest (unpaired surrogates become U+FFFD, as Buffer does).
      state[0] = hi;
      state[1] = lo;
      updateBytes(state, Buffer.from(data.slice(i), 'utf8'));
      return;
    }
    const x = (lo ^ c) >>> 0;
    const t = x * PRIME_LO;
    lo = t >>> 0;
    hi = (Math.imul(hi, PRIME_LO) + (t - lo) / TWO_32 + (x << 8)) >>> 0;
  }
  state[0] = hi;
  state[1] = lo;
}

const scratch = new Uint32Array(2);

/** FNV-1a 64-bit hash of a string (its UTF-8 bytes) or bytes, as an unsigned BigInt. */
export function fnv1a64(data: string | Uint8Array): bigint {
  fnvInit(scratch);
  fnvUpdate(scratch, data);
  return (BigInt(scratch[0]) << 32n) | BigInt(scratch[1]);
}
