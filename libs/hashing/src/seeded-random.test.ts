import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './index.js';

test('seededRandom: the same seed gives the same sequence, in [0, 1), spread evenly', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 10_000 }, () => a());
  assert.deepEqual(Array.from({ length: 10_000 }, () => b()), xs);
  assert.notDeepEqual(Array.from({ length: 10 }, seededRandom(43)), xs.slice(0, 10));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});
