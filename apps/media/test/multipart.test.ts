// Multipart upload through the real AWS SDK against a real apps/media process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { startMedia, sdkError } from './helpers.js';

test('a 50 MB multipart upload reads back byte-identical with the multipart ETag; abort and bad completes leave nothing', async (t) => {
  const m = await startMedia(t, { MEDIA_DEFAULT_LEVEL: 'raid6' });
  const s3 = m.client;
  const Bucket = 'big';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const body = randomBytes(50_000_000);
  const PART = 8 * 1024 * 1024;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'video.bin', ContentType: 'video/mp4', CacheControl: 'max-age=3600' }));
  assert.ok(UploadId);
  const parts: { PartNumber: number; ETag: string }[] = [];
  const md5s: Buffer[] = [];
  for (let at = 0, n = 1; at < body.length; at += PART, n++) {
    const chunk = body.subarray(at, Math.min(at + PART, body.length));
    const res: UploadPartCommandOutput = await s3.send(new UploadPartCommand({ Bucket, Key: 'video.bin', UploadId, PartNumber: n, Body: chunk }));
    assert.equal(res.ETag, `"${createHash('md5').update(chunk).digest('hex')}"`);
    parts.push({ PartNumber: n, ETag: res.ETag! });
    md5s.push(createHash('md5').update(chunk).digest());
  }
  assert.equal(parts.length, 6);
  const before = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.equal(before.KeyCount, 0, 'parts are not visible as objects');
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'video.bin', UploadId, MultipartUpload: { Parts: parts } }));
  const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-6"`;
  assert.equal(done.ETag, etag);
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'video.bin' }));
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), '50 MB byte-identical');
  assert.equal(got.ETag, etag);
  assert.equal(got.ContentType, 'video/mp4');
  assert.equal(got.CacheControl, 'max-age=3600');
  const ranged = await s3.send(new GetObjectCommand({ Bucket, Key: 'video.bin', Range: `bytes=${PART - 5}-${PART + 4}` }));
  assert.ok(Buffer.from(await ranged.Body!.transformToByteArray()).equals(body.subarray(PART - 5, PART + 5)), 'a range across a part boundary');
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'video.bin' }))).ContentLength, 50_000_000);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ['video.bin']);
  const onDrive = readdirSync(join(m.dataDir, 'media1', 'drive1', 'objects', Bucket));
  assert.equal(onDrive.length, 1, 'parts and the upload record are removed after complete');
  assert.equal((await sdkError(s3.send(new UploadPartCommand({ Bucket, Key: 'video.bin', UploadId, PartNumber: 7, Body: 'late' })))).name, 'NoSuchUpload');

  // Abort: the parts go, the upload id is dead.
  const second = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'aborted.bin' }));
  await s3.send(new UploadPartCommand({ Bucket, Key: 'aborted.bin', UploadId: second.UploadId, PartNumber: 1, Body: randomBytes(1000) }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'aborted.bin', UploadId: second.UploadId }));
  assert.equal((await sdkError(s3.send(new UploadPartCommand({ Bucket, Key: 'aborted.bin', UploadId: second.UploadId, PartNumber: 2, Body: 'x' })))).name, 'NoSuchUpload');
  assert.equal(readdirSync(join(m.dataDir, 'media1', 'drive1', 'objects', Bucket)).length, 1);

  // Bad completes: a small non-last part, a wrong ETag, descending order. Nothing becomes visible.
  const third = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'bad.bin' }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket, Key: 'bad.bin', UploadId: third.UploadId, PartNumber: 1, Body: randomBytes(1000) }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket, Key: 'bad.bin', UploadId: third.UploadId, PartNumber: 2, Body: randomBytes(1000) }));
  const complete = (Parts: { PartNumber: number; ETag: string }[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'bad.bin', UploadId: third.UploadId, MultipartUpload: { Parts } }));
  assert.equal((await sdkError(complete([{ PartNumber: 1, ETag: p1.ETag! }, { PartNumber: 2, ETag: p2.ETag! }]))).name, 'EntityTooSmall');
  assert.equal((await sdkError(complete([{ PartNumber: 1, ETag: '"0123"' }]))).name, 'InvalidPart');
  assert.equal((await sdkError(complete([{ PartNumber: 2, ETag: p2.ETag! }, { PartNumber: 1, ETag: p1.ETag! }]))).name, 'InvalidPartOrder');
  assert.equal((await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'bad.bin' })))).name, 'NoSuchKey');
  const single = await complete([{ PartNumber: 2, ETag: p2.ETag! }]);
  assert.match(single.ETag ?? '', /-1"$/, 'a single (last) part may be small');
});
