import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketIncrease, histogramQuantile } from './histogram-quantile.js';

const h = (bounds: number[], counts: number[]) => ({ bounds, counts, count: counts[counts.length - 1]!, sum: 0 });

test('histogramQuantile interpolates inside the bucket holding the rank (Prometheus rule)', () => {
  // 100 observations: 50 ≤ 0.1, 90 ≤ 0.5, 100 ≤ 1.
  const x = h([0.1, 0.5, 1, Infinity], [50, 90, 100, 100]);
  assert.equal(histogramQuantile(0.5, x), 0.1);
  assert.ok(Math.abs(histogramQuantile(0.7, x) - 0.3) < 1e-9, 'rank 70 is halfway through (0.1, 0.5]');
  assert.ok(Math.abs(histogramQuantile(0.99, x) - 0.95) < 1e-9);
  assert.ok(Math.abs(histogramQuantile(0.25, x) - 0.05) < 1e-9, 'the first bucket starts at 0');
});

test('a rank in the +Inf bucket answers the highest finite bound; an empty histogram is NaN', () => {
  assert.equal(histogramQuantile(0.99, h([0.1, 1, Infinity], [10, 10, 20])), 1);
  assert.ok(Number.isNaN(histogramQuantile(0.5, h([0.1, Infinity], [0, 0]))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, null)));
});

test('bucketIncrease subtracts bucket by bucket, and a reset counts from zero', () => {
  const earlier = h([0.1, Infinity], [5, 8]);
  const later = h([0.1, Infinity], [7, 14]);
  assert.deepEqual(bucketIncrease(later, earlier)!.counts, [2, 6]);
  assert.equal(bucketIncrease(later, earlier)!.count, 6);
  const restarted = h([0.1, Infinity], [1, 2]);
  assert.deepEqual(bucketIncrease(restarted, earlier)!.counts, [1, 2], 'the process restarted: its counts are the increase');
});
