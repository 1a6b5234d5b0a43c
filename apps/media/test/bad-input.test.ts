// Bad input against a real apps/media process: every refusal is an S3 error document with a stable
// code, nothing half-written is visible, and the service keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { connect } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { ACCESS_KEY, SECRET_KEY, startMedia, type MediaProcess, sdkError } from './helpers.js';

/** node:crypto SHA-256/HMAC in the shape @smithy/signature-v4 wants. */
class Sha256 {
  #h: Hash | Hmac;
  readonly #secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === 'string' ? secret : ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret);
    this.#h = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#h.digest();
  }
  reset(): void {
    this.#h = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

const signer = (secretAccessKey = SECRET_KEY) =>
  new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey }, sha256: Sha256, uriEscapePath: false });

/** A request signed with @smithy/signature-v4, sent with fetch. */
async function signedFetch(m: MediaProcess, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL(path, m.url);
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const req = await signer().sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': createHash('sha256').update(body ?? '').digest('hex'), ...headers },
    body,
  });
  return fetch(url, { method, headers: req.headers, body });
}

async function xmlError(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  assert.match(res.headers.get('content-type') ?? '', /application\/xml/);
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '', message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '' };
}

test('bad signatures, unsigned requests, skew and unknown keys are refused with S3 codes', async (t) => {
  const m = await startMedia(t);
  await m.client.send(new CreateBucketCommand({ Bucket: 'img' }));
  await m.client.send(new PutObjectCommand({ Bucket: 'img', Key: 'a.png', Body: 'png' }));
  const wrong = new S3Client({ endpoint: m.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'not-the-secret' } });
  t.after(() => wrong.destroy());
  const bad = await sdkError(wrong.send(new GetObjectCommand({ Bucket: 'img', Key: 'a.png' })));
  assert.equal(bad.name, 'SignatureDoesNotMatch');
  assert.equal(bad.$metadata.httpStatusCode, 403);
  assert.equal((await sdkError(wrong.send(new PutObjectCommand({ Bucket: 'img', Key: 'evil', Body: 'x' })))).name, 'SignatureDoesNotMatch');
  const unknown = new S3Client({ endpoint: m.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'nobody', secretAccessKey: SECRET_KEY } });
  t.after(() => unknown.destroy());
  assert.equal((await sdkError(unknown.send(new GetObjectCommand({ Bucket: 'img', Key: 'a.png' })))).name, 'InvalidAccessKeyId');

  const anon = await xmlError(await fetch(`${m.url}/img/a.png`));
  assert.deepEqual([anon.status, anon.code], [403, 'AccessDenied']);
  const v2 = await xmlError(await fetch(`${m.url}/img/a.png`, { headers: { authorization: 'AWS scaleout:abc=' } }));
  assert.deepEqual([v2.status, v2.code], [403, 'AccessDenied']);
  const mangled = await xmlError(await fetch(`${m.url}/img/a.png`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=garbage' } }));
  assert.deepEqual([mangled.status, mangled.code], [400, 'AuthorizationHeaderMalformed']);

  // A signature from an hour ago, correct otherwise: too skewed.
  const old = await signer().sign(
    { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', path: '/img/a.png', headers: { host: new URL(m.url).host, 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') } },
    { signingDate: new Date(Date.now() - 3_600_000) },
  );
  const skew = await xmlError(await fetch(`${m.url}/img/a.png`, { headers: old.headers }));
  assert.deepEqual([skew.status, skew.code], [403, 'RequestTimeTooSkewed']);

  // A body that is not the one signed.
  const req = await signer().sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', path: '/img/swap', headers: { host: new URL(m.url).host, 'x-amz-content-sha256': createHash('sha256').update('signed body').digest('hex') }, body: 'signed body' });
  const swapped = await xmlError(await fetch(`${m.url}/img/swap`, { method: 'PUT', headers: req.headers, body: 'other body!' }));
  assert.deepEqual([swapped.status, swapped.code], [400, 'XAmzContentSHA256Mismatch']);

  // A presigned GET works; the same URL with another key does not.
  const url = new URL('/img/a.png', m.url);
  const pre = await signer().presign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { expiresIn: 60 });
  const qs = new URLSearchParams(pre.query as Record<string, string>).toString();
  const presigned = await fetch(`${m.url}/img/a.png?${qs}`);
  assert.equal(presigned.status, 200);
  assert.equal(await presigned.text(), 'png');
  const tampered = await xmlError(await fetch(`${m.url}/img/b.png?${qs}`));
  assert.deepEqual([tampered.status, tampered.code], [403, 'SignatureDoesNotMatch']);

  const listed = await m.client.send(new ListObjectsV2Command({ Bucket: 'img' }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ['a.png'], 'nothing written by the refused requests');
});

test('malformed XML, bad ranges, bad keys and names, oversized bodies and headers, truncated uploads; the service never falls over', async (t) => {
  const m = await startMedia(t, { MEDIA_MAX_OBJECT_SIZE: '100000' });
  await m.client.send(new CreateBucketCommand({ Bucket: 'img' }));
  await m.client.send(new PutObjectCommand({ Bucket: 'img', Key: 'a.png', Body: 'abcdefghij' }));

  const xml = await xmlError(await signedFetch(m, 'PUT', '/broken-xml', '<CreateBucketConfiguration><LocationConstraint>eu'));
  assert.deepEqual([xml.status, xml.code], [400, 'MalformedXML']);
  const okXml = await signedFetch(m, 'PUT', '/good-xml', '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>');
  assert.equal(okXml.status, 200);
  const badName = await xmlError(await signedFetch(m, 'PUT', '/Bad_Name'));
  assert.deepEqual([badName.status, badName.code], [400, 'InvalidBucketName']);
  const badLevel = await xmlError(await signedFetch(m, 'PUT', '/lvl-bucket', undefined, { 'x-scaleout-level': 'raid9' }));
  assert.deepEqual([badLevel.status, badLevel.code], [400, 'InvalidArgument']);
  const unfit = await xmlError(await signedFetch(m, 'PUT', '/lvl-bucket', undefined, { 'x-scaleout-level': 'ec:5+3' }));
  assert.deepEqual([unfit.status, unfit.code], [400, 'InvalidArgument']);

  const crc = await xmlError(await signedFetch(m, 'PUT', '/img/crc', 'payload', { 'x-amz-checksum-crc32': 'AAAAAA==' }));
  assert.deepEqual([crc.status, crc.code], [400, 'BadDigest']);
  const md5 = await xmlError(await signedFetch(m, 'PUT', '/img/md5', 'payload', { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' }));
  assert.deepEqual([md5.status, md5.code], [400, 'BadDigest']);

  const range = await sdkError(m.client.send(new GetObjectCommand({ Bucket: 'img', Key: 'a.png', Range: 'bytes=50-60' })));
  assert.equal(range.name, 'InvalidRange');
  assert.equal(range.$metadata.httpStatusCode, 416);
  const garbageRange = await xmlError(await signedFetch(m, 'GET', '/img/a.png', undefined, { range: 'bytes=z-' }));
  assert.deepEqual([garbageRange.status, garbageRange.code], [416, 'InvalidRange']);

  // The SDK sends keys as they are (fetch's URL parser would resolve the dots before sending).
  for (const key of ['../../etc/passwd', 'a/../b', 'x/./y', '..']) {
    const res = await sdkError(m.client.send(new PutObjectCommand({ Bucket: 'img', Key: key, Body: 'x' })));
    assert.deepEqual([res.$metadata.httpStatusCode, res.name], [400, 'InvalidArgument'], key);
    assert.match(res.message, /'\.' or '\.\.' path segments/);
  }
  const long = await sdkError(m.client.send(new PutObjectCommand({ Bucket: 'img', Key: 'k'.repeat(1025), Body: 'x' })));
  assert.equal(long.name, 'KeyTooLongError');

  const big = await sdkError(m.client.send(new PutObjectCommand({ Bucket: 'img', Key: 'big', Body: Buffer.alloc(200_000) })));
  assert.equal(big.name, 'EntityTooLarge');

  // Oversized header section: Node's parser stops it; the answer is still an S3 error document.
  const huge = await raw(m, `GET /img/a.png HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(40_000)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431/);
  assert.match(huge, /<Code>RequestHeaderSectionTooLarge<\/Code>/);

  // A truncated upload: Content-Length promises more than is sent, then the client goes away.
  const url = new URL('/img/truncated', m.url);
  const signed = await signer().sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '5000' } });
  const head = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  await raw(m, `PUT /img/truncated HTTP/1.1\r\n${head}\r\n\r\n${'x'.repeat(1000)}`, 300);
  assert.equal((await sdkError(m.client.send(new GetObjectCommand({ Bucket: 'img', Key: 'truncated' })))).name, 'NoSuchKey');

  const listed = await m.client.send(new ListObjectsV2Command({ Bucket: 'img' }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ['a.png'], 'nothing half-written visible');
  assert.equal((await fetch(`${m.url}/healthz`)).status, 200);
  const got = await m.client.send(new GetObjectCommand({ Bucket: 'img', Key: 'a.png', Range: 'bytes=2-4' }));
  assert.equal(await got.Body!.transformToString(), 'cde');
  assert.equal(m.child.exitCode, null, 'still running');
  assert.equal(await m.stop('SIGTERM'), 0, 'SIGTERM drains and exits 0');
  assert.match(m.output(), /"msg":"stopping"/);
});

/** Sends raw bytes, returns what came back (ends after `closeAfterMs` if the server keeps the socket). */
function raw(m: MediaProcess, data: string, closeAfterMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(m.url);
  return new Promise((resolve) => {
    let out = '';
    const s = connect(Number(port), hostname, () => s.write(data));
    s.on('data', (d) => (out += d.toString()));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    setTimeout(() => s.destroy(), closeAfterMs).unref();
  });
}
