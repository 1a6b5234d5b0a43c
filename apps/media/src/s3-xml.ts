import type { BucketInfo, ObjectInfo } from './erasure-set.js';
import { xmlEscape as x } from './s3-error.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function listBucketsXml(buckets: BucketInfo[], owner: string): string {
  return (
    `${HEAD}<ListAllMyBucketsResult xmlns="${NS}"><Owner><ID>${x(owner)}</ID><DisplayName>${x(owner)}</DisplayName></Owner><Buckets>` +
    buckets.map((b) => `<Bucket><Name>${x(b.name)}</Name><CreationDate>${x(b.created)}</CreationDate></Bucket>`).join('') +
    '</Buckets></ListAllMyBucketsResult>'
  );
}

export interface ListV2Page {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  truncated: boolean;
  objects: ObjectInfo[];
  prefixes: string[];
  encodeUrl: boolean;
}

export function listObjectsV2Xml(p: ListV2Page): string {
  const enc = (s: string) => x(p.encodeUrl ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  let out = `${HEAD}<ListBucketResult xmlns="${NS}"><Name>${x(p.bucket)}</Name><Prefix>${enc(p.prefix)}</Prefix>`;
  if (p.startAfter !== undefined) out += `<StartAfter>${enc(p.startAfter)}</StartAfter>`;
  if (p.continuationToken !== undefined) out += `<ContinuationToken>${x(p.continuationToken)}</ContinuationToken>`;
  if (p.nextContinuationToken !== undefined) out += `<NextContinuationToken>${x(p.nextContinuationToken)}</NextContinuationToken>`;
  out += `<KeyCount>${p.objects.length + p.prefixes.length}</KeyCount><MaxKeys>${p.maxKeys}</MaxKeys>`;
  if (p.delimiter !== undefined) out += `<Delimiter>${enc(p.delimiter)}</Delimiter>`;
  if (p.encodeUrl) out += '<EncodingType>url</EncodingType>';
  out += `<IsTruncated>${p.truncated}</IsTruncated>`;
  for (const o of p.objects) {
    out += `<Contents><Key>${enc(o.key)}</Key><LastModified>${x(o.lastModified)}</LastModified><ETag>&quot;${x(o.etag)}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  }
  for (const pr of p.prefixes) out += `<CommonPrefixes><Prefix>${enc(pr)}</Prefix></CommonPrefixes>`;
  return `${out}</ListBucketResult>`;
}
