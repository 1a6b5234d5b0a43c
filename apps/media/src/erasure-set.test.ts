import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@scaleout/testing';
import { Drive } from './drive.js';
import { ErasureSet } from './erasure-set.js';

/** A drive whose first commit is slow (a drive stalling mid-write). */
class SlowDrive extends Drive {
  #slow = true;
  override async commit(tmp: string, bucket: string, key: string): Promise<void> {
    if (this.#slow) {
      this.#slow = false;
      await new Promise((r) => setTimeout(r, 200));
    }
    return super.commit(tmp, bucket, key);
  }
}

async function makeSet(slow: (index: number) => boolean): Promise<ErasureSet> {
  const dir = tempDir('scaleout-media-unit-');
  const drives: Drive[] = [];
  for (let s = 0; s < 2; s++) {
    for (let d = 0; d < 3; d++) {
      const i = drives.length;
      const path = join(dir, `media${s + 1}`, `drive${d + 1}`);
      mkdirSync(path, { recursive: true });
      const drive = slow(i) ? new SlowDrive(path, i, s, d) : new Drive(path, i, s, d);
      await drive.format('unit');
      drive.state = 'online';
      drives.push(drive);
    }
  }
  const set = new ErasureSet(drives, 'unit');
  await set.createBucket('race', 'raid6');
  return set;
}

test('a write whose commit stalls on some drives is not interleaved with a later write of the same key', async () => {
  const set = await makeSet((i) => i < 3);
  const a = Buffer.from('version A'.repeat(1000));
  const b = Buffer.from('version B'.repeat(1000));
  const first = set.put({ bucket: 'race', key: 'hot', body: a });
  await new Promise((r) => setTimeout(r, 50)); // A is committing (stalled on drives 0-2)
  await Promise.all([first, set.put({ bucket: 'race', key: 'hot', body: b })]);
  const got = await set.get('race', 'hot');
  assert.ok(got.body.equals(b), 'the later write wins on every drive');
  const report = await set.scrub();
  assert.deepEqual([report.stale, report.unrecoverable], [0, 0]);
});

test('a heal started by a read never puts an older version over a newer write', async () => {
  const set = await makeSet(() => false);
  await set.put({ bucket: 'race', key: 'k', body: Buffer.from('old') });
  await set.delete('race', 'k');
  await set.put({ bucket: 'race', key: 'k', body: Buffer.from('old') });
  await set.drives[0]!.deleteShard('race', 'k'); // a read will heal drive 0
  const read = set.get('race', 'k');
  const write = set.put({ bucket: 'race', key: 'k', body: Buffer.from('new') });
  await Promise.all([read, write]);
  await set.settle();
  assert.equal((await set.get('race', 'k')).body.toString(), 'new');
  const report = await set.scrub();
  assert.deepEqual([report.stale, report.corrupt, report.unrecoverable], [0, 0, 0]);
});
