import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smoothWeightedOrder } from './smooth-weighted-order.js';

test('each item appears weight/gcd times per cycle, spread out', () => {
  assert.deepEqual([...smoothWeightedOrder([1, 1, 1])], [0, 1, 2]);
  assert.deepEqual([...smoothWeightedOrder([2, 2])], [0, 1]);
  const seq = [...smoothWeightedOrder([5, 1, 1])];
  assert.equal(seq.length, 7);
  assert.deepEqual([0, 1, 2].map((i) => seq.filter((x) => x === i).length), [5, 1, 1]);
  assert.deepEqual(seq, [0, 0, 1, 0, 2, 0, 0]);
  assert.equal(smoothWeightedOrder([]).length, 0);
});
