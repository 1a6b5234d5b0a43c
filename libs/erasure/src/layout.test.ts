import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErasureError, layoutFor, meetsWriteQuorum, placementsFor, shardChecksum } from './index.js';

test('levels over 6 drives: shards, copies, quorums and tolerated losses', () => {
  const pick = (level: string) => {
    const l = layoutFor(level, 6);
    return [l.dataShards, l.parityShards, l.copies, l.writeQuorum, l.readQuorum, l.tolerates];
  };
  assert.deepEqual(pick('raid0'), [6, 0, 1, 6, 6, 0]);
  assert.deepEqual(pick('raid1'), [1, 0, 6, 2, 1, 5]);
  assert.deepEqual(pick('raid5'), [5, 1, 1, 6, 5, 1]);
  assert.deepEqual(pick('raid6'), [4, 2, 1, 5, 4, 2]);
  assert.deepEqual(pick('raid10'), [3, 0, 2, 4, 3, 1]);
  assert.deepEqual(pick('ec:3+3'), [3, 3, 1, 4, 3, 3]);
  assert.deepEqual(pick('ec:2+1'), [2, 1, 1, 3, 2, 1]);
});

test('levels that do not fit the set are refused', () => {
  for (const [level, drives] of [['raid5', 2], ['raid6', 3], ['raid10', 5], ['ec:4+3', 6], ['ec:0+2', 6], ['raid7', 6]] as const) {
    assert.throws(() => layoutFor(level, drives), (e: unknown) => e instanceof ErasureError && e.code === 'ERASURE_ERR_BAD_PARAMS', `${level}/${drives}`);
  }
});

test('placements rotate with the offset and raid10 copies land on neighbouring (different-server) drives', () => {
  const order = [0, 3, 1, 4, 2, 5]; // servers {0,1,2} and {3,4,5} interleaved
  const r10 = placementsFor(layoutFor('raid10', 6), 1, order);
  assert.deepEqual(r10, [
    { shard: 0, drive: 3 }, { shard: 0, drive: 1 },
    { shard: 1, drive: 4 }, { shard: 1, drive: 2 },
    { shard: 2, drive: 5 }, { shard: 2, drive: 0 },
  ]);
  for (let s = 0; s < 3; s++) {
    const drives = r10.filter((p) => p.shard === s).map((p) => (p.drive < 3 ? 'a' : 'b'));
    assert.notEqual(drives[0], drives[1], `shard ${s} mirrored across servers`);
  }
  const ec = placementsFor(layoutFor('ec:2+1', 6), 4, order);
  assert.deepEqual(ec.map((p) => p.drive), [2, 5, 0]);
});

test('write quorum needs k+1 copies and every data index', () => {
  const r10 = layoutFor('raid10', 6);
  assert.equal(meetsWriteQuorum(r10, [0, 0, 1, 1]), false, 'shard 2 has no copy');
  assert.equal(meetsWriteQuorum(r10, [0, 0, 1, 2]), true);
  const r6 = layoutFor('raid6', 6);
  assert.equal(meetsWriteQuorum(r6, [0, 1, 2, 3]), false, 'k alone is not acknowledged');
  assert.equal(meetsWriteQuorum(r6, [0, 1, 2, 3, 5]), true);
  assert.equal(shardChecksum(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
