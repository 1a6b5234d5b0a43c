import { HashingError } from './hashing-error.js';
import { fnvInit, fnvUpdate } from './fnv1a64.js';
import { mul64 } from './internal/u64.js';

// The LCG multiplier of the paper, 2862933555777941757 = 0x27bb2ee687b0b0fd, as (hi, lo).
const LCG_HI = 0x27bb2ee6;
const LCG_LO = 0x87b0b0fd;
const MAX_BUCKETS = 2 ** 31 - 1;
const MAX_KEY = (1n << 64n) - 1n;

const state = new Uint32Array(2);

/**
 * Jump consistent hash (Lamping & Veach, 2014): maps `key` to a bucket in [0, buckets) such that
 * growing from n to n + 1 buckets moves only ~1/(n + 1) of the keys, all of them to the new bucket.
 * Buckets are numbered, so it fits shards that are only ever added or removed at the end.
 *
 * `key` is a uint64 BigInt (0 .. 2^64 - 1), used as is (same answers as the paper's C++ and Go's
 * `jump.Hash`), or a string / bytes first hashed with FNV-1a 64 (UTF-8 for strings), so
 * `jumpHash(s, n)` equals Go's `jump.Hash(fnv64a(s), n)`. The 64-bit LCG runs in split 32-bit
 * arithmetic; `buckets` is an integer in 1 .. 2^31 - 1.
 */
export function jumpHash(key: bigint | string | Uint8Array, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new HashingError('HASH_ERR_INVALID_BUCKETS', `buckets must be an integer in 1..${MAX_BUCKETS}, got ${String(buckets)}`);
  }
  if (typeof key === 'bigint') {
    if (key < 0n || key > MAX_KEY) {
      throw new HashingError('HASH_ERR_INVALID_KEY', `bigint key must be in 0..2^64-1, got ${key}`);
    }
    state[0] = Number(key >> 32n);
    state[1] = Number(key & 0xffffffffn);
  } else {
    fnvInit(state);
    fnvUpdate(state, key);
  }
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key * LCG + 1 (mod 2^64)
    mul64(state, state[0], state[1], LCG_HI, LCG_LO);
    state[1] += 1; // wraps to 0 on overflow (Uint32Array store)
    if (state[1] === 0) state[0] += 1;
    // j = floor((b + 1) * 2^31 / ((key >>> 33) + 1)), in doubles as in the reference
    j = Math.floor((b + 1) * (2147483648 / ((state[0] >>> 1) + 1)));
  }
  return b;
}
