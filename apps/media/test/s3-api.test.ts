// The S3 subset through the real AWS SDK client against a real apps/media process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startMedia } from './helpers.js';

const LEVELS = ['raid0', 'raid1', 'raid5', 'raid6', 'raid10', 'ec:3+3', 'ec:2+1'] as const;
const bucketOf = (level: string) => `b-${level.replace(/[:+]/g, '-')}`;

async function s3Code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof S3ServiceException, `an S3 error, got ${String(err)}`);
    return err.name;
  }
  assert.fail('expected an S3 error');
}

test('round trips at every level: put, get (whole and ranges), head, list, delete; buckets', async (t) => {
  const media = await startMedia(t, { MEDIA_BUCKET_LEVELS: LEVELS.map((l) => `${bucketOf(l)}=${l}`).join(',') });
  const s3 = media.client;
  for (const level of LEVELS) await s3.send(new CreateBucketCommand({ Bucket: bucketOf(level) }));
  assert.equal(await s3Code(s3.send(new CreateBucketCommand({ Bucket: bucketOf('raid6') }))), 'BucketAlreadyOwnedByYou');
  const buckets = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(buckets.Buckets?.map((b) => b.Name), LEVELS.map(bucketOf).sort());
  const head = await s3.send(new HeadBucketCommand({ Bucket: bucketOf('raid5') }));
  assert.equal(head.$metadata.httpStatusCode, 200);

  for (const level of LEVELS) {
    const Bucket = bucketOf(level);
    for (const size of [0, 1, 4096, 100_000, 1_000_003]) {
      const body = randomBytes(size);
      const Key = `img/${size}.bin`;
      const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'image/png', CacheControl: 'public, max-age=60' }));
      assert.equal(put.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      assert.ok(bytes.equals(body), `${level} ${size} bytes read back identical`);
      assert.equal(got.ContentType, 'image/png');
      assert.equal(got.CacheControl, 'public, max-age=60');
      assert.equal(got.ETag, put.ETag);
      if (size >= 4096) {
        const ranged = await s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=100-1099' }));
        assert.equal(ranged.$metadata.httpStatusCode, 206);
        assert.equal(ranged.ContentRange, `bytes 100-1099/${size}`);
        assert.ok(Buffer.from(await ranged.Body!.transformToByteArray()).equals(body.subarray(100, 1100)));
        const suffix = await s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=-10' }));
        assert.ok(Buffer.from(await suffix.Body!.transformToByteArray()).equals(body.subarray(size - 10)));
      }
      const h = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      assert.equal(h.ContentLength, size);
      assert.equal(h.ETag, put.ETag);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'img/' }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key), ['img/0.bin', 'img/1.bin', 'img/100000.bin', 'img/1000003.bin', 'img/4096.bin']);
    assert.equal(listed.Contents?.find((c) => c.Key === 'img/4096.bin')?.Size, 4096);
  }

  const Bucket = bucketOf('raid6');
  // A streamed body: the SDK sends it aws-chunked with a CRC32 trailer.
  const streamed = randomBytes(300_000);
  await s3.send(new PutObjectCommand({ Bucket, Key: 'streamed.bin', Body: Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]), ContentLength: streamed.length }));
  const back = await s3.send(new GetObjectCommand({ Bucket, Key: 'streamed.bin' }));
  assert.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(streamed), 'streamed upload stored byte-identical');
  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'streamed.bin' }));
  // Keys with characters that SigV4 encodes specially.
  for (const Key of ['dir/with space+plus/ü.png', "odd!'()*~key", 'a%2Fb', 'trailing/']) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString(), Key);
    const found = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: Key }));
    assert.equal(found.Contents?.[0]?.Key, Key);
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  }
  // Overwrite replaces; delimiter and pagination.
  await s3.send(new PutObjectCommand({ Bucket, Key: 'img/1.bin', Body: 'second version' }));
  const again = await s3.send(new GetObjectCommand({ Bucket, Key: 'img/1.bin' }));
  assert.equal(await again.Body!.transformToString(), 'second version');
  await s3.send(new PutObjectCommand({ Bucket, Key: 'top.txt', Body: 'x' }));
  const delim = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
  assert.deepEqual(delim.CommonPrefixes?.map((p) => p.Prefix), ['img/']);
  assert.deepEqual(delim.Contents?.map((c) => c.Key), ['top.txt']);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2, ContinuationToken: token }));
    seen.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
    if (token) assert.equal(page.IsTruncated, true);
  } while (token);
  assert.equal(seen.length, 6);
  assert.deepEqual(seen, [...seen].sort());

  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'top.txt' }));
  assert.equal(await s3Code(s3.send(new GetObjectCommand({ Bucket, Key: 'top.txt' }))), 'NoSuchKey');
  assert.equal(await s3Code(s3.send(new HeadObjectCommand({ Bucket, Key: 'top.txt' }))), 'NotFound');
  assert.equal(await s3Code(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' }))), 'NoSuchBucket');
  assert.equal(await s3Code(s3.send(new DeleteBucketCommand({ Bucket }))), 'BucketNotEmpty');
  const rest = await s3.send(new ListObjectsV2Command({ Bucket }));
  for (const c of rest.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key: c.Key! }));
  await s3.send(new DeleteBucketCommand({ Bucket }));
  assert.equal(await s3Code(s3.send(new HeadBucketCommand({ Bucket }))), 'NotFound');
  assert.ok((await media.metric('scaleout_media_operations_total')) > 50);
});

test('concurrent overwrites of one key leave one complete version on every drive', async (t) => {
  const media = await startMedia(t, { MEDIA_DEFAULT_LEVEL: 'raid6' });
  const s3 = media.client;
  await s3.send(new CreateBucketCommand({ Bucket: 'race' }));
  const bodies = Array.from({ length: 16 }, (_, i) => Buffer.concat([Buffer.from(`writer-${i}:`), randomBytes(20_000 + i)]));
  // Interleave readers (which may heal) with the writers.
  await Promise.all([
    ...bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: 'race', Key: 'hot', Body }))),
    ...Array.from({ length: 8 }, () => s3.send(new GetObjectCommand({ Bucket: 'race', Key: 'hot' })).then((r) => r.Body!.transformToByteArray(), () => undefined)),
  ]);
  const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'race', Key: 'hot' }))).Body!.transformToByteArray());
  assert.ok(bodies.some((b) => b.equals(got)), 'one writer’s body, whole');
  const report = await media.admin('/_media/scrub', 'POST');
  assert.deepEqual([report.stale, report.corrupt, report.missing, report.unrecoverable], [0, 0, 0, 0], 'every drive holds the same version');
});
