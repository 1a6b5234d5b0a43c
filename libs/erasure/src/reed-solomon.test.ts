import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ReedSolomon, gfDiv, gfExp, gfMul, ErasureError } from './index.js';

test('GF(2^8) matches the published answers (Backblaze GaloisTest.testWithPythonAnswers)', () => {
  assert.equal(gfMul(3, 4), 12);
  assert.equal(gfMul(7, 7), 21);
  assert.equal(gfMul(23, 45), 41);
  assert.equal(gfExp(2, 2), 4);
  assert.equal(gfExp(5, 20), 235);
  assert.equal(gfExp(13, 7), 43);
  for (let a = 1; a < 256; a++) {
    assert.equal(gfMul(a, gfDiv(1, a)), 1, `inverse of ${a}`);
    let power = 1;
    for (let j = 0; j < 256; j++) {
      assert.equal(gfExp(a, j), power);
      power = gfMul(power, a);
    }
  }
});

test('5+5 parity matches Backblaze ReedSolomonTest.testOneEncode byte for byte', () => {
  const rs = new ReedSolomon(5, 5);
  const shards = [[0, 1], [4, 5], [2, 3], [6, 7], [8, 9], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]].map((s) => Uint8Array.from(s));
  rs.encode(shards);
  assert.deepEqual(shards.slice(5).map((s) => [...s]), [[12, 13], [10, 11], [14, 15], [90, 91], [94, 95]]);
  assert.ok(rs.verify(shards));
  shards[8]![0]! += 1;
  assert.equal(rs.verify(shards), false);
});

function subsets(n: number, size: number, from = 0): number[][] {
  if (size === 0) return [[]];
  const out: number[][] = [];
  for (let i = from; i <= n - size; i++) for (const rest of subsets(n, size - 1, i + 1)) out.push([i, ...rest]);
  return out;
}

test('5+5 decodes from every subset of up to 5 missing shards (Backblaze testSimpleEncodeDecode data)', () => {
  const rs = new ReedSolomon(5, 5);
  const data = [[0, 1], [1, 2], [1, 3], [2, 4], [3, 5]];
  const full = [...data.map((d) => Uint8Array.from(d)), ...Array.from({ length: 5 }, () => new Uint8Array(2))];
  rs.encode(full);
  let tried = 0;
  for (let missing = 0; missing <= 5; missing++) {
    for (const gone of subsets(10, missing)) {
      const shards: (Uint8Array | null)[] = full.map((s, i) => (gone.includes(i) ? null : Uint8Array.from(s)));
      const rebuilt = rs.reconstruct(shards);
      assert.deepEqual(rebuilt.sort((a, b) => a - b), gone);
      assert.deepEqual(shards.map((s) => [...s!]), full.map((s) => [...s]));
      tried++;
    }
  }
  assert.equal(tried, 1 + 10 + 45 + 120 + 210 + 252);
});

test('split/join round trips at many k+m and sizes, with parity losses and data losses', () => {
  for (const [k, m] of [[1, 0], [1, 5], [2, 1], [4, 2], [5, 1], [3, 3], [10, 4], [64, 64]] as const) {
    const rs = new ReedSolomon(k, m);
    for (const size of [0, 1, 7, 1000, 65_537]) {
      const data = randomBytes(size);
      const shards: (Uint8Array | null)[] = rs.split(data);
      for (let i = 0; i < m; i++) shards[(i * 7 + size) % (k + m)] = null;
      rs.reconstruct(shards);
      assert.deepEqual(rs.join(shards, size), data, `${k}+${m} size ${size}`);
    }
  }
});

test('too few shards, bad parameters and mismatched sizes are refused with stable codes', () => {
  const rs = new ReedSolomon(4, 2);
  const shards: (Uint8Array | null)[] = rs.split(randomBytes(100));
  shards[0] = shards[1] = shards[2] = null;
  assert.throws(() => rs.reconstruct(shards), (e: unknown) => e instanceof ErasureError && e.code === 'ERASURE_ERR_TOO_FEW_SHARDS');
  assert.throws(() => new ReedSolomon(0, 2), (e: unknown) => e instanceof ErasureError && e.code === 'ERASURE_ERR_BAD_PARAMS');
  assert.throws(() => new ReedSolomon(200, 57), (e: unknown) => e instanceof ErasureError && e.code === 'ERASURE_ERR_BAD_PARAMS');
  const uneven = rs.split(randomBytes(100));
  uneven[5] = new Uint8Array(3);
  assert.throws(() => rs.encode(uneven), (e: unknown) => e instanceof ErasureError && e.code === 'ERASURE_ERR_SHARD_SIZE');
});
