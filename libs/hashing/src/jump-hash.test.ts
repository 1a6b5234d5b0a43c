import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jumpHash } from './jump-hash.js';
import { fnv1a64 } from './fnv1a64.js';
import { HashingError } from './hashing-error.js';

const MASK = (1n << 64n) - 1n;

/** Lamping & Veach's algorithm written directly with BigInt, as a reference. */
function reference(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    key = (key * 2862933555777941757n + 1n) & MASK;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return b;
}

/** Deterministic 64-bit keys spread over the whole range. */
function keys(count: number): bigint[] {
  const out: bigint[] = [];
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < count; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & MASK;
    out.push(x);
  }
  return out;
}

describe('jumpHash', () => {
  it('matches the vectors generated from the reference C++ code (buckets 1..19/20)', () => {
    const vectors: Array<[bigint, number[]]> = [
      [0n, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
      [1n, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]],
      [0xdeadbeefn, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]],
      [0x0ddc0ffeebadf00dn, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]],
    ];
    for (const [key, expected] of vectors) {
      assert.deepEqual(
        expected.map((_, i) => jumpHash(key, i + 1)),
        expected,
        `key ${key}`,
      );
    }
  });

  it('agrees with a BigInt reference for keys across 2^64 and bucket counts up to 2^31 - 1', () => {
    const bucketCounts = [1, 2, 3, 10, 97, 1000, 65_536, 1_000_003, 2 ** 31 - 1];
    for (const key of [...keys(2000), 0n, MASK, 1n << 63n]) {
      for (const n of bucketCounts) assert.equal(jumpHash(key, n), reference(key, n), `key ${key} n ${n}`);
    }
  });

  it('is monotone: growing n to n + 1 only moves keys into bucket n, about 1/(n + 1) of them', () => {
    const sample = keys(20_000);
    for (let n = 1; n <= 40; n++) {
      let moved = 0;
      for (const key of sample) {
        const a = jumpHash(key, n);
        const b = jumpHash(key, n + 1);
        assert.ok(a >= 0 && a < n);
        if (a !== b) {
          assert.equal(b, n, `key ${key} moved from ${a} to ${b} when growing to ${n + 1}`);
          moved++;
        }
      }
      const expected = 1 / (n + 1);
      assert.ok(Math.abs(moved / sample.length - expected) < 0.02 + expected * 0.15, `n=${n}: moved ${moved}`);
    }
  });

  it('hashes string and byte keys with FNV-1a 64 first', () => {
    for (const s of ['user:1', 'user:2', 'ünïcødé', '']) {
      assert.equal(jumpHash(s, 1000), reference(fnv1a64(s), 1000));
      assert.equal(jumpHash(Buffer.from(s), 1000), jumpHash(s, 1000));
    }
  });

  it('rejects bad bucket counts and out-of-range keys', () => {
    const code = (fn: () => unknown, c: string): void =>
      assert.throws(fn, (e: unknown) => e instanceof HashingError && e.code === c);
    for (const n of [0, -1, 1.5, 2 ** 31, Number.NaN]) code(() => jumpHash(1n, n), 'HASH_ERR_INVALID_BUCKETS');
    code(() => jumpHash(-1n, 10), 'HASH_ERR_INVALID_KEY');
    code(() => jumpHash(1n << 64n, 10), 'HASH_ERR_INVALID_KEY');
  });
});
