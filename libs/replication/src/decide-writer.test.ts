import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideWriter, type WriterCandidate } from './index.js';

const s = (name: string, up: boolean, readOnly: boolean | undefined, serverId: number, epoch?: [number, number]): WriterCandidate => ({
  name,
  up,
  readOnly,
  serverId,
  epoch: epoch ? { epoch: epoch[0], serverId: epoch[1], kind: 'failover' } : undefined,
});

test('the single healthy writable server is the writer', () => {
  const d = decideWriter([s('db1', true, true, 1), s('db2', true, false, 2)]);
  assert.equal(d.writer, 'db2');
  assert.deepEqual(d.fence, []);
});

test('a writable server that is down is not the writer; nothing writable means no writer', () => {
  assert.equal(decideWriter([s('db1', false, false, 1), s('db2', true, true, 2)]).writer, undefined);
  assert.equal(decideWriter([s('db1', true, undefined, 1), s('db2', true, true, 2)]).writer, undefined);
});

test('two writable servers without records: configured order wins and the other is fenced', () => {
  const d = decideWriter([s('db1', true, false, 1), s('db2', true, false, 2)]);
  assert.equal(d.writer, 'db1');
  assert.deepEqual(d.fence, ['db2']);
  assert.equal(d.epoch, 0);
});

test('two writable servers: the newest promotion record names the writer (a restarted old writer loses)', () => {
  // db2 was promoted at epoch 3 (failover); db1 came back writable with its older record (epoch 2).
  const d = decideWriter([s('db1', true, false, 1, [2, 1]), s('db2', true, false, 2, [3, 2])]);
  assert.equal(d.writer, 'db2');
  assert.deepEqual(d.fence, ['db1']);
  assert.equal(d.epoch, 3);
});

test('records of down servers are ignored', () => {
  const d = decideWriter([s('db1', true, false, 1, [1, 1]), s('db2', false, false, 2, [5, 2])]);
  assert.equal(d.writer, 'db1');
  assert.equal(d.epoch, 1);
});
