import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './s3-error.js';

/** What SigV4 verification needs from a request. */
export interface SignedRequest {
  method: string;
  /** The raw request target as sent (path and query, still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Credentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

export interface VerifiedRequest {
  /** The payload hash the client signed: hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  payloadHash: string;
  presigned: boolean;
}

const MAX_SKEW_MS = 15 * 60_000;
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved A-Z a-z 0-9 - _ . ~ kept). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    throw new S3Error('InvalidArgument', 400, 'malformed percent-encoding in the query string');
  }
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/**
 * Verifies an AWS Signature Version 4 request (Authorization header or presigned query), as S3 does:
 * canonical request (method, URI as sent, sorted re-encoded query, signed headers, payload hash),
 * string to sign, HMAC-SHA256 chain, constant-time compare, ±15 min clock skew. Throws S3Error with
 * AccessDenied, InvalidAccessKeyId, AuthorizationHeaderMalformed, RequestTimeTooSkewed or
 * SignatureDoesNotMatch.
 */
export function verifySigV4(req: SignedRequest, creds: Credentials, now = Date.now()): VerifiedRequest {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const pairs = rawQuery === '' ? [] : rawQuery.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, eq)), safeDecode(p.slice(eq + 1))];
  }) as [string, string][];
  const query = new Map(pairs);
  const auth = header(req, 'authorization');
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let amzDate: string;
  let payloadHash: string;
  let presigned = false;
  if (auth) {
    const m = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})\s*$/.exec(auth);
    if (!m) {
      if (auth.startsWith('AWS ')) throw new S3Error('AccessDenied', 403, 'Signature Version 2 is not supported; use AWS4-HMAC-SHA256');
      throw new S3Error('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed');
    }
    [, credential, signedHeaders, signature] = m as unknown as [string, string, string, string];
    amzDate = header(req, 'x-amz-date') ?? '';
    payloadHash = header(req, 'x-amz-content-sha256') ?? '';
    if (!payloadHash) throw new S3Error('InvalidArgument', 400, 'x-amz-content-sha256 header is missing');
  } else if (query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    presigned = true;
    credential = query.get('X-Amz-Credential') ?? '';
    signedHeaders = query.get('X-Amz-SignedHeaders') ?? '';
    signature = query.get('X-Amz-Signature') ?? '';
    amzDate = query.get('X-Amz-Date') ?? '';
    payloadHash = query.get('X-Amz-Content-Sha256') ?? header(req, 'x-amz-content-sha256') ?? 'UNSIGNED-PAYLOAD';
    const expires = Number(query.get('X-Amz-Expires') ?? 'NaN');
    if (!/^[0-9a-f]{64}$/.test(signature) || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      throw new S3Error('AuthorizationHeaderMalformed', 400, 'presigned URL query is malformed');
    }
    const t = parseAmzDate(amzDate);
    if (now > t + expires * 1000) throw new S3Error('AccessDenied', 403, 'Request has expired');
  } else {
    throw new S3Error('AccessDenied', 403, 'Access Denied: the request is not signed');
  }
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts[3] !== 's3') {
    throw new S3Error('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed; the Credential is mal-formed');
  }
  const [accessKey, date, region] = parts as [string, string, string, string, string];
  if (accessKey !== creds.accessKey) throw new S3Error('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
  if (region !== creds.region) throw new S3Error('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; the region '${region}' is wrong; expecting '${creds.region}'`);
  const t = parseAmzDate(amzDate);
  if (!amzDate.startsWith(date)) throw new S3Error('AuthorizationHeaderMalformed', 400, 'credential date does not match X-Amz-Date');
  if (!presigned && Math.abs(now - t) > MAX_SKEW_MS) throw new S3Error('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.');

  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new S3Error('AuthorizationHeaderMalformed', 400, 'the host header must be signed');
  const canonicalHeaders = names
    .map((n) => {
      const v = header(req, n);
      if (v === undefined) throw new S3Error('SignatureDoesNotMatch', 403, `signed header ${n} is missing from the request`);
      return `${n}:${v.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonicalQuery = pairs
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', signingKey(creds.secretKey, date, region, 's3')).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return { payloadHash, presigned };
}

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new S3Error('AccessDenied', 403, 'X-Amz-Date is missing or malformed');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Checks a signed hex payload hash against the body. */
export function checkPayloadHash(payloadHash: string, body: Buffer): void {
  if (/^[0-9a-f]{64}$/.test(payloadHash) && sha256(body) !== payloadHash) {
    throw new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
}
