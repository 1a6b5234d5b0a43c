import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { until } from '../src/index.js';

test('until returns the first value that is neither undefined nor false; throws count as not yet', async () => {
  let calls = 0;
  const v = await until('third call', () => {
    calls++;
    if (calls === 1) throw new Error('boom');
    return calls === 3 ? { calls } : false;
  }, 2000, 1);
  assert.deepEqual(v, { calls: 3 });
});

test('until gives up after its timeout, naming what it waited for and the last error', async () => {
  await assert.rejects(
    until('the impossible', () => {
      throw new Error('still broken');
    }, 50, 5),
    /the impossible: not reached within 50 ms; last: still broken/,
  );
  await assert.rejects(until('a false condition', () => false, 30, 5), /a false condition: not reached within 30 ms; last: not yet/);
});
