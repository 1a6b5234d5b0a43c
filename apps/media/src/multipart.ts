import { createHash, randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { INTERNAL_PREFIX, type ErasureSet, type ObjectInfo } from './erasure-set.js';
import { S3Error } from './s3-error.js';

/** S3's minimum part size (every part but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

interface UploadRecord {
  key: string;
  contentType?: string;
  cacheControl?: string;
  initiated: string;
}

const uploadKey = (id: string) => `${INTERNAL_PREFIX}mpu/${id}`;
const partKey = (id: string, n: number) => `${INTERNAL_PREFIX}mpu/${id}/${String(n).padStart(5, '0')}`;

/**
 * Multipart uploads on top of the erasure set: the upload record and every part are internal
 * objects of the target bucket (keys starting with NUL, which user keys cannot contain), so parts
 * are erasure-coded, quorum-written, healed and rebuilt like any object. Complete concatenates the
 * parts into one object (written with the usual quorum) and then removes the parts.
 */
export class Multipart {
  readonly #set: ErasureSet;
  readonly #maxObjectSize: number;

  constructor(set: ErasureSet, maxObjectSize: number) {
    this.#set = set;
    this.#maxObjectSize = maxObjectSize;
  }

  async create(bucket: string, key: string, meta: { contentType?: string; cacheControl?: string }): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    const record: UploadRecord = { key, ...meta, initiated: new Date().toISOString() };
    await this.#set.put({ bucket, key: uploadKey(id), body: Buffer.from(JSON.stringify(record)), contentType: 'application/json' });
    return id;
  }

  async #record(bucket: string, key: string, id: string): Promise<UploadRecord> {
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw noSuchUpload();
    let record: UploadRecord;
    try {
      record = JSON.parse((await this.#set.get(bucket, uploadKey(id))).body.toString('utf8')) as UploadRecord;
    } catch (err) {
      if (err instanceof S3Error && err.code === 'NoSuchKey') throw noSuchUpload();
      throw err;
    }
    if (record.key !== key) throw noSuchUpload();
    return record;
  }

  async uploadPart(bucket: string, key: string, id: string, partNumber: string, body: Buffer): Promise<string> {
    const n = Number(partNumber);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) throw new S3Error('InvalidArgument', 400, `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`);
    await this.#record(bucket, key, id);
    const info = await this.#set.put({ bucket, key: partKey(id, n), body });
    return info.etag;
  }

  async complete(bucket: string, key: string, id: string, xml: Buffer): Promise<ObjectInfo> {
    const record = await this.#record(bucket, key, id);
    const text = xml.toString('utf8');
    if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
    const doc = new XMLParser({ parseTagValue: false }).parse(text) as { CompleteMultipartUpload?: { Part?: unknown } };
    const raw = doc.CompleteMultipartUpload?.Part;
    const parts = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as { PartNumber?: string; ETag?: string }[];
    if (parts.length === 0) throw new S3Error('MalformedXML', 400, 'CompleteMultipartUpload lists no parts');
    const bodies: Buffer[] = [];
    const md5s: Buffer[] = [];
    let last = 0;
    let total = 0;
    for (const p of parts) {
      const n = Number(p.PartNumber);
      if (!Number.isInteger(n) || n <= last) throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order.');
      last = n;
    }
    for (const [i, p] of parts.entries()) {
      const n = Number(p.PartNumber);
      let got;
      try {
        got = await this.#set.get(bucket, partKey(id, n));
      } catch (err) {
        if (err instanceof S3Error && err.code === 'NoSuchKey') throw invalidPart(n);
        throw err;
      }
      if (String(p.ETag ?? '').replace(/"/g, '') !== got.info.etag) throw invalidPart(n);
      if (i < parts.length - 1 && got.body.length < MIN_PART_SIZE) throw new S3Error('EntityTooSmall', 400, `Part ${n} is smaller than the minimum allowed size of ${MIN_PART_SIZE} bytes.`);
      total += got.body.length;
      if (total > this.#maxObjectSize) throw new S3Error('EntityTooLarge', 400, `The completed object would exceed the maximum object size of ${this.#maxObjectSize} bytes.`);
      bodies.push(got.body);
      md5s.push(Buffer.from(got.info.etag, 'hex'));
    }
    const etag = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}`;
    const info = await this.#set.put({ bucket, key, body: Buffer.concat(bodies), contentType: record.contentType, cacheControl: record.cacheControl, etag });
    await this.#cleanup(bucket, id);
    return info;
  }

  async abort(bucket: string, key: string, id: string): Promise<void> {
    await this.#record(bucket, key, id);
    await this.#cleanup(bucket, id);
  }

  async #cleanup(bucket: string, id: string): Promise<void> {
    const b = await this.#set.requireBucket(bucket);
    const all = await this.#set.scan(bucket, this.#set.layout(b.level));
    const prefix = `${uploadKey(id)}/`;
    for (const k of all.keys()) if (k.startsWith(prefix)) await this.#set.delete(bucket, k);
    await this.#set.delete(bucket, uploadKey(id));
  }
}

function noSuchUpload(): S3Error {
  return new S3Error('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
}

function invalidPart(n: number): S3Error {
  return new S3Error('InvalidPart', 400, `One or more of the specified parts could not be found or its ETag did not match (part ${n}).`);
}
