// Drive faults against a real apps/media process: dead drives, rebuild onto an empty folder,
// corrupt shards healed on read and by scrub, too few drives refused cleanly. Every fault is undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeShardFile } from '../src/index.js';
import { startMedia, waitFor, type MediaProcess, sdkError } from './helpers.js';

const drivePath = (m: MediaProcess, server: number, drive: number) => join(m.dataDir, `media${server}`, `drive${drive}`);
const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');
const shardFile = (m: MediaProcess, server: number, drive: number, bucket: string, key: string) => join(drivePath(m, server, drive), 'objects', bucket, keyHash(key));
/** Pulls a drive: its folder disappears at once (renamed away, then removed), restored as an empty folder after the test. */
function pullDrive(t: { after(fn: () => unknown): void }, m: MediaProcess, server: number, drive: number): void {
  const dir = drivePath(m, server, drive);
  const gone = `${dir}.pulled`;
  renameSync(dir, gone);
  rmSync(gone, { recursive: true, force: true });
  t.after(() => mkdirSync(dir, { recursive: true }));
}
const ALL_DRIVES = [1, 2].flatMap((s) => [1, 2, 3].map((d) => [s, d] as const));

async function putMany(s3: S3Client, bucket: string, n: number): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    const body = randomBytes(1000 + i * 997);
    const key = `obj-${i}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    objects.set(key, body);
  }
  return objects;
}

async function readAll(s3: S3Client, bucket: string, objects: Map<string, Buffer>): Promise<void> {
  for (const [key, body] of objects) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `${bucket}/${key} byte-identical`);
  }
}

async function driveState(m: MediaProcess, name: string): Promise<string> {
  const { drives } = (await m.admin('/_media/drives')) as { drives: { name: string; state: string }[] };
  return drives.find((d) => d.name === name)!.state;
}

test('raid5 loses a drive: every object reads back; an empty folder in its place is rebuilt to full redundancy', async (t) => {
  const m = await startMedia(t, { MEDIA_BUCKET_LEVELS: 'rr5=raid5,rr6=raid6,rr0=raid0' });
  for (const b of ['rr5', 'rr6', 'rr0']) await m.client.send(new CreateBucketCommand({ Bucket: b }));
  const r5 = await putMany(m.client, 'rr5', 12);
  const r6 = await putMany(m.client, 'rr6', 12);
  const r0 = await putMany(m.client, 'rr0', 3);

  pullDrive(t, m, 1, 2);
  assert.ok(await waitFor(async () => (await driveState(m, 'media1/drive2')) === 'offline', 5_000));
  assert.equal(await m.metric('scaleout_media_drive_up'), 5);
  await readAll(m.client, 'rr5', r5);
  await readAll(m.client, 'rr6', r6);
  // raid0 has no redundancy: a dead drive loses the objects it held a stripe of, and says so.
  const err = await sdkError(m.client.send(new GetObjectCommand({ Bucket: 'rr0', Key: 'obj-0' })));
  assert.equal(err.name, 'ServiceUnavailable');
  assert.equal(err.$metadata.httpStatusCode, 503);
  assert.match(err.message, /no redundancy/);
  // raid5 with a dead drive has no spare copy: writes are refused (k+1 rule), raid6 still takes them.
  assert.equal((await sdkError(m.client.send(new PutObjectCommand({ Bucket: 'rr5', Key: 'late', Body: 'x' })))).name, 'ServiceUnavailable');
  await m.client.send(new PutObjectCommand({ Bucket: 'rr6', Key: 'late', Body: 'written degraded' }));
  r6.set('late', Buffer.from('written degraded'));
  assert.ok((await m.metric('scaleout_media_degraded_objects')) >= 1);

  mkdirSync(drivePath(m, 1, 2)); // the replacement drive: an empty folder
  assert.ok(await waitFor(async () => (await driveState(m, 'media1/drive2')) === 'online', 20_000), 'rebuilt');
  assert.equal(await m.metric('scaleout_media_rebuild_progress_ratio'), 1);
  assert.ok((await m.metric('scaleout_media_heals_total')) >= 12, 'rebuild rewrote shards');
  assert.ok(existsSync(shardFile(m, 1, 2, 'rr6', 'late')), 'the degraded write got its shard back');
  for (const [key] of r5) assert.ok(existsSync(shardFile(m, 1, 2, 'rr5', key)), `rr5/${key} shard rebuilt`);
  // The raid0 objects that had a stripe there are gone for good.
  assert.equal((await sdkError(m.client.send(new GetObjectCommand({ Bucket: 'rr0', Key: 'obj-0' })))).name, 'ServiceUnavailable');
  void r0;

  // Full redundancy again: another drive may die and raid5 still reads everything.
  pullDrive(t, m, 2, 3);
  assert.ok(await waitFor(async () => (await driveState(m, 'media2/drive3')) === 'offline', 5_000));
  await readAll(m.client, 'rr5', r5);
  // raid6 survives two dead drives at once.
  pullDrive(t, m, 1, 1);
  assert.ok(await waitFor(async () => (await driveState(m, 'media1/drive1')) === 'offline', 5_000));
  await readAll(m.client, 'rr6', r6);
});

test('a whole media server lost (its 3 drives): raid1, raid10 and ec:3+3 read everything, raid6 says it cannot', async (t) => {
  const m = await startMedia(t, { MEDIA_BUCKET_LEVELS: 'mirror=raid1,stripes=raid10,wide=ec:3+3,dual=raid6' });
  const data = new Map<string, Map<string, Buffer>>();
  for (const b of ['mirror', 'stripes', 'wide', 'dual']) {
    await m.client.send(new CreateBucketCommand({ Bucket: b }));
    data.set(b, await putMany(m.client, b, 8));
  }
  for (const d of [1, 2, 3]) pullDrive(t, m, 2, d);
  assert.ok(await waitFor(async () => (await m.metric('scaleout_media_drive_up')) === 3, 5_000));
  for (const b of ['mirror', 'stripes', 'wide']) await readAll(m.client, b, data.get(b)!);
  const err = await sdkError(m.client.send(new GetObjectCommand({ Bucket: 'dual', Key: 'obj-0' })));
  assert.deepEqual([err.$metadata.httpStatusCode, err.name], [503, 'ServiceUnavailable']);
  assert.match(err.message, /read quorum not met/);
  assert.equal((await fetch(`${m.url}/readyz`)).status, 503, 'half the drives is not a majority: not ready');
});

test('too few drives: the write fails with 503 and nothing of it is visible, the old version stays', async (t) => {
  const m = await startMedia(t, { MEDIA_DEFAULT_LEVEL: 'raid6' });
  await m.client.send(new CreateBucketCommand({ Bucket: 'img' }));
  await m.client.send(new PutObjectCommand({ Bucket: 'img', Key: 'keep', Body: 'version one' }));
  for (const [s, d] of [[1, 1], [2, 2]] as const) {
    pullDrive(t, m, s, d);
  }
  assert.ok(await waitFor(async () => (await m.metric('scaleout_media_drive_up')) === 4, 5_000));
  for (const key of ['new-object', 'keep']) {
    const err = await sdkError(m.client.send(new PutObjectCommand({ Bucket: 'img', Key: key, Body: randomBytes(50_000) })));
    assert.equal(err.name, 'ServiceUnavailable');
    assert.equal(err.$metadata.httpStatusCode, 503);
    assert.match(err.message, /write quorum not met: 4 of 6 .* 5 needed/);
  }
  const listed = await m.client.send(new ListObjectsV2Command({ Bucket: 'img' }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ['keep']);
  const got = await m.client.send(new GetObjectCommand({ Bucket: 'img', Key: 'keep' }));
  assert.equal(await got.Body!.transformToString(), 'version one', 'the refused overwrite left the old version');
  for (const [s, d] of ALL_DRIVES) {
    const dir = drivePath(m, s, d);
    if (!existsSync(dir)) continue;
    assert.equal(existsSync(shardFile(m, s, d, 'img', 'new-object')), false, `no shard of the refused write on ${dir}`);
    assert.deepEqual(readdirSync(join(dir, '.media', 'tmp')), [], `no staged leftovers on ${dir}`);
  }
  assert.ok((await m.metric('scaleout_media_quorum_failures_total')) >= 2);
  assert.equal((await fetch(`${m.url}/healthz`)).status, 200);
});

test('flipped bytes in shards: detected on read, served correctly, healed; scrub finds and heals the rest', async (t) => {
  const m = await startMedia(t, { MEDIA_DEFAULT_LEVEL: 'ec:3+3' });
  await m.client.send(new CreateBucketCommand({ Bucket: 'img' }));
  const objects = await putMany(m.client, 'img', 6);
  const where = (key: string) => ALL_DRIVES.filter(([s, d]) => existsSync(shardFile(m, s, d, 'img', key)));
  const flip = (file: string) => {
    const buf = readFileSync(file);
    buf[buf.length - 1]! ^= 0xff;
    buf[buf.length - 100]! ^= 0x01;
    writeFileSync(file, buf);
  };
  const intact = (file: string) => {
    const { header, data } = decodeShardFile(readFileSync(file));
    return createHash('sha256').update(data).digest('hex') === header.checksum;
  };

  // Heal on read.
  const [s0, d0] = where('obj-0')[0]!;
  flip(shardFile(m, s0, d0, 'img', 'obj-0'));
  assert.equal(intact(shardFile(m, s0, d0, 'img', 'obj-0')), false);
  const got = await m.client.send(new GetObjectCommand({ Bucket: 'img', Key: 'obj-0' }));
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(objects.get('obj-0')!), 'correct bytes despite the corrupt shard');
  assert.equal(await m.metric('scaleout_media_corrupt_shards_total'), 1);
  assert.ok(await waitFor(() => intact(shardFile(m, s0, d0, 'img', 'obj-0')), 5_000), 'healed on read');
  assert.ok((await m.metric('scaleout_media_heals_total')) >= 1);

  // Three faults the reads have not seen: two corrupt shards and a deleted one; scrub finds all three.
  const [s1, d1] = where('obj-1')[1]!;
  const [s2, d2] = where('obj-2')[2]!;
  const [s3, d3] = where('obj-3')[0]!;
  flip(shardFile(m, s1, d1, 'img', 'obj-1'));
  flip(shardFile(m, s2, d2, 'img', 'obj-2'));
  rmSync(shardFile(m, s3, d3, 'img', 'obj-3'));
  const report = await m.admin('/_media/scrub', 'POST');
  assert.equal(report.objects, 6);
  assert.equal(report.shardsChecked, 36);
  assert.equal(report.corrupt, 2);
  assert.equal(report.missing, 1);
  assert.equal(report.healed, 3);
  assert.equal(report.unrecoverable, 0);
  assert.ok(intact(shardFile(m, s1, d1, 'img', 'obj-1')) && intact(shardFile(m, s2, d2, 'img', 'obj-2')) && intact(shardFile(m, s3, d3, 'img', 'obj-3')));
  const again = await m.admin('/_media/scrub', 'POST');
  assert.deepEqual([again.corrupt, again.missing, again.healed], [0, 0, 0], 'a second scrub finds nothing');
  await readAll(m.client, 'img', objects);
  assert.equal(await m.metric('scaleout_media_scrubs_total'), 2);
  assert.equal((await fetch(`${m.url}/_media/scrub`, { method: 'POST' })).status, 403, 'scrub needs the admin token');
});
