import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSchedule } from '../src/index.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('constant rate: arrival k at k/rate, cumulative linear', () => {
  const s = new RateSchedule({ kind: 'constant', rate: 2000 });
  close(s.arrivalTime(0), 0);
  close(s.arrivalTime(1), 0.5);
  close(s.arrivalTime(2000), 1000);
  close(s.cumulative(10_000), 20_000);
  assert.equal(s.rateAt(5000), 2000);
  assert.equal(s.peak(30_000), 2000);
});

test('ramp 100..5000/s over 60s: integral, inverse and hold after the ramp', () => {
  const s = new RateSchedule({ kind: 'ramp', from: 100, to: 5000, overMs: 60_000 });
  close(s.rateAt(0), 100);
  close(s.rateAt(30_000), 2550);
  close(s.rateAt(60_000), 5000);
  close(s.rateAt(90_000), 5000);
  // (100 + 5000) / 2 * 60 s
  close(s.cumulative(60_000), 153_000, 1e-6);
  close(s.cumulative(61_000), 158_000, 1e-6);
  for (const k of [1, 10, 999, 50_000, 153_000, 155_500]) close(s.cumulative(s.arrivalTime(k)), k, 1e-6);
  assert.ok(s.arrivalTime(10) < s.arrivalTime(11));
  assert.equal(s.peak(30_000), 2550);
  assert.equal(s.peak(120_000), 5000);
});

test('a falling ramp is fine too', () => {
  const s = new RateSchedule({ kind: 'ramp', from: 1000, to: 0, overMs: 10_000 });
  close(s.cumulative(10_000), 5000);
  close(s.cumulative(s.arrivalTime(4999)), 4999, 1e-5);
  assert.equal(s.arrivalTime(6000), Infinity);
});

test('steps: 100/s for 10s then 500/s for 10s, last rate held', () => {
  const s = new RateSchedule({ kind: 'steps', steps: [{ rate: 100, forMs: 10_000 }, { rate: 500, forMs: 10_000 }] });
  close(s.cumulative(10_000), 1000);
  close(s.cumulative(20_000), 6000);
  close(s.cumulative(21_000), 6500);
  close(s.arrivalTime(999), 9990);
  close(s.arrivalTime(1000), 10_000);
  close(s.arrivalTime(1500), 11_000);
  assert.equal(s.rateAt(15_000), 500);
  assert.equal(s.peak(5000), 100);
  assert.equal(s.peak(20_000), 500);
});

test('a zero-rate step pauses the arrivals', () => {
  const s = new RateSchedule({ kind: 'steps', steps: [{ rate: 10, forMs: 1000 }, { rate: 0, forMs: 2000 }, { rate: 10, forMs: 1000 }] });
  close(s.arrivalTime(9), 900);
  close(s.arrivalTime(10), 3000);
  close(s.cumulative(2500), 10);
});
