import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepairQueue } from './repair-queue.js';

const k = (s: string) => Buffer.from(s);

test('the repair queue deduplicates per node and hands keys out oldest first', () => {
  const q = new RepairQueue(10);
  assert.equal(q.add('a', 'k1', k('k1')), 0);
  assert.equal(q.add('a', 'k2', k('k2')), 0);
  assert.equal(q.add('a', 'k1', k('k1')), -1);
  assert.equal(q.add('b', 'k1', k('k1')), 0);
  assert.equal(q.size, 3);
  assert.equal(q.sizeOf('a'), 2);
  assert.deepEqual(q.nodes().sort(), ['a', 'b']);
  assert.equal(q.take('a')?.toString(), 'k1');
  assert.equal(q.take('a')?.toString(), 'k2');
  assert.equal(q.take('a'), undefined);
  assert.deepEqual(q.nodes(), ['b']);
  assert.equal(q.size, 1);
});

test('a full repair queue drops the oldest entry of the fullest node', () => {
  const q = new RepairQueue(3);
  q.add('a', 'a1', k('a1'));
  q.add('a', 'a2', k('a2'));
  q.add('b', 'b1', k('b1'));
  assert.equal(q.add('b', 'b2', k('b2')), 1);
  assert.equal(q.size, 3);
  assert.equal(q.take('a')?.toString(), 'a2', 'a1 was dropped');
  assert.equal(q.clear('b'), 2);
  assert.equal(q.size, 0);
});

test('a queue of capacity 0 keeps nothing', () => {
  const q = new RepairQueue(0);
  assert.equal(q.add('a', 'x', k('x')), 1);
  assert.equal(q.size, 0);
});
