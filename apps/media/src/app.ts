import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { XMLValidator } from 'fast-xml-parser';
import { ErasureError, isLevelName } from '@scaleout/erasure';
import { createRegistry, metricsPlugin, type Registry } from '@scaleout/metrics';
import { Readiness, bearerChecker, healthRoutes, type Logger } from '@scaleout/service';
import { decodeAwsChunked } from './aws-chunked.js';
import type { MediaConfig } from './config.js';
import type { ObjectInfo } from './erasure-set.js';
import { MediaMetrics } from './media-metrics.js';
import { MediaService } from './media-service.js';
import { Multipart } from './multipart.js';
import { S3Error, errorXml, xmlEscape } from './s3-error.js';
import { checkBucketName, checkObjectKey, parseRange } from './s3-names.js';
import { listBucketsXml, listObjectsV2Xml } from './s3-xml.js';
import { checkPayloadHash, verifySigV4 } from './sigv4.js';

export interface MediaAppDeps {
  logger?: Logger;
  registry?: Registry;
  /** Bearer token of the admin endpoints (`SCALEOUT_ADMIN_TOKEN`). */
  adminToken?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    media: MediaService;
    mediaReadiness: Readiness;
  }
}

const XML = 'application/xml';

/**
 * Builds the media server: the S3 subset on `/` and `/<bucket>[/<key>]`, `/healthz`, `/readyz`,
 * `/metrics`, and the admin endpoints `GET /_media/drives`, `POST /_media/scrub`.
 */
export async function buildMediaApp(config: MediaConfig, deps: MediaAppDeps = {}): Promise<FastifyInstance> {
  const registry = deps.registry ?? createRegistry();
  const metrics = new MediaMetrics(registry);
  const media = new MediaService({
    dataDir: config.dataDir,
    servers: config.servers,
    drivesPerServer: config.drivesPerServer,
    checkIntervalMs: config.driveCheckInterval,
    scrubIntervalMs: config.scrubInterval,
    metrics,
    logger: deps.logger,
  });
  const levels = new Map(config.bucketLevels.map((e) => e.split('=') as [string, string]));
  for (const level of [config.defaultLevel, ...levels.values()]) media.set.layout(level); // fails at start when a level does not fit
  await media.start();
  const multipart = new Multipart(media.set, config.maxObjectSize);
  const isAdmin = bearerChecker(deps.adminToken ?? 'dev-admin-token');
  const creds = { accessKey: config.accessKey, secretKey: config.secretKey, region: config.region };

  const readiness = new Readiness();
  readiness.register('drives', () => {
    const online = media.set.onlineCount;
    const need = Math.floor(media.drives.length / 2) + 1;
    if (online < need) throw new Error(`${online} of ${media.drives.length} drives online, ${need} needed`);
    return true;
  });

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.maxObjectSize,
    return503OnClosing: true,
    genReqId: () => randomBytes(8).toString('hex').toUpperCase(),
    // Oversized headers, malformed request lines: an S3 error document, then close.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
      const body = tooBig
        ? errorXml('RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.', '', '')
        : errorXml('InvalidArgument', 'malformed HTTP request', '', '');
      socket.end(`HTTP/1.1 ${tooBig ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: ${XML}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
    frameworkErrors: (err, request, res) => {
      sendError(res as unknown as FastifyReply, request, new S3Error('InvalidArgument', 400, `malformed request: ${err.message}`));
    },
  });
  app.decorate('media', media);
  app.decorate('mediaReadiness', readiness);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxObjectSize + 64 * 1024 }, (_req, body, done) => done(null, body));
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-served-by', config.instance);
    reply.header('x-amz-request-id', request.id);
    return payload;
  });

  function sendError(reply: FastifyReply, request: FastifyRequest, err: S3Error): void {
    const resource = (request.raw.url ?? '').split('?')[0] ?? '';
    reply.code(err.statusCode).header('content-type', XML).header('cache-control', 'no-store');
    if (request.method === 'HEAD') reply.send();
    else reply.send(errorXml(err.code, err.message, resource, String(request.id)));
  }

  app.setErrorHandler((err: FastifyError, request, reply) => {
    let s3: S3Error;
    if (err instanceof S3Error) s3 = err;
    else if (err instanceof ErasureError) s3 = new S3Error('InvalidArgument', 400, err.message);
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') s3 = new S3Error('EntityTooLarge', 400, `Your proposed upload exceeds the maximum allowed object size of ${config.maxObjectSize} bytes.`);
    else if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') s3 = new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    else if (err.validation) s3 = new S3Error('InvalidArgument', 400, err.message);
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) s3 = new S3Error('InvalidArgument', 400, err.message);
    else s3 = new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.');
    if (s3.statusCode >= 500) request.log.error({ err, code: s3.code }, 'request failed');
    metrics.ops.inc({ op: opName(request), result: s3.code });
    sendError(reply, request, s3);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.')));

  await app.register(metricsPlugin, { registry, service: 'media' });
  await app.register(healthRoutes, { readiness, service: 'media', instance: config.instance });

  // ---- admin ----
  const adminGuard = async (request: FastifyRequest) => {
    if (!isAdmin(request.headers.authorization)) throw new S3Error('AccessDenied', 403, 'admin endpoints need Authorization: Bearer <SCALEOUT_ADMIN_TOKEN>');
  };
  app.get('/_media/drives', { onRequest: adminGuard, schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async () => ({
    drives: media.status(),
    degradedObjects: media.set.degraded.size,
    lastScrub: media.lastScrub ?? null,
  }));
  app.post('/_media/scrub', { onRequest: adminGuard, schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async () => media.scrub());

  // ---- S3 ----
  const s3Schema = { querystring: { type: 'object', additionalProperties: { type: 'string' } } };
  const methods = ['GET', 'HEAD', 'PUT', 'DELETE', 'POST'] as const;
  app.route({ method: [...methods], url: '/', schema: s3Schema, handler: (req, reply) => s3(req, reply) });
  app.route({ method: [...methods], url: '/*', schema: s3Schema, handler: (req, reply) => s3(req, reply) });

  async function s3(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const signed = verifySigV4({ method: request.method, url: request.raw.url ?? '/', headers: request.headers }, creds);
    let body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let trailers: Record<string, string> = {};
    if (signed.payloadHash === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') ({ data: body, trailers } = decodeAwsChunked(body));
    else if (signed.payloadHash.startsWith('STREAMING-')) throw new S3Error('NotImplemented', 501, `${signed.payloadHash} is not implemented; send a signed or unsigned payload`);
    else checkPayloadHash(signed.payloadHash, body);
    // The SDK's default integrity checksum (CRC32, in a header or the aws-chunked trailer) is checked when sent.
    const crc = trailers['x-amz-checksum-crc32'] ?? request.headers['x-amz-checksum-crc32'];
    if (typeof crc === 'string' && request.method === 'PUT') {
      const mine = Buffer.alloc(4);
      mine.writeUInt32BE(crc32(body));
      if (mine.toString('base64') !== crc) throw new S3Error('BadDigest', 400, 'The CRC32 you specified did not match the calculated checksum.');
    }
    const decoded = request.headers['x-amz-decoded-content-length'];
    if (decoded !== undefined && Number(decoded) !== body.length) throw new S3Error('IncompleteBody', 400, 'The request body is shorter than x-amz-decoded-content-length.');

    const rawPath = (request.raw.url ?? '/').split('?')[0]!;
    let segments: string[];
    try {
      const [, b = '', ...rest] = rawPath.split('/');
      segments = [decodeURIComponent(b), decodeURIComponent(rest.join('/'))];
    } catch {
      throw new S3Error('InvalidArgument', 400, 'malformed percent-encoding in the path');
    }
    const [bucket, key] = segments as [string, string];
    const q = request.query as Record<string, string>;
    const op = opName(request);
    const result = await dispatch(request, reply, bucket, key, q, body);
    metrics.ops.inc({ op, result: 'ok' });
    return result;
  }

  async function dispatch(request: FastifyRequest, reply: FastifyReply, bucket: string, key: string, q: Record<string, string>, body: Buffer): Promise<unknown> {
    const m = request.method;
    if (bucket === '') {
      if (m !== 'GET') throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
      return reply.header('content-type', XML).send(listBucketsXml(await media.set.listBuckets(), config.accessKey));
    }
    checkBucketName(bucket);
    if (key === '') {
      if (m === 'PUT') {
        if (body.length > 0 && XMLValidator.validate(body.toString('utf8')) !== true) throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
        const asked = request.headers['x-scaleout-level'];
        const level = typeof asked === 'string' ? asked : (levels.get(bucket) ?? config.defaultLevel);
        if (!isLevelName(level)) throw new S3Error('InvalidArgument', 400, `x-scaleout-level "${level}" is not raid0, raid1, raid5, raid6, raid10 or ec:K+M`);
        await media.set.createBucket(bucket, level);
        return reply.header('location', `/${bucket}`).header('x-scaleout-level', level).send();
      }
      if (m === 'HEAD') {
        const b = await media.set.requireBucket(bucket);
        return reply.header('x-scaleout-level', b.level).header('x-amz-bucket-region', config.region).send();
      }
      if (m === 'DELETE') {
        await media.set.deleteBucket(bucket);
        return reply.code(204).send();
      }
      if (m === 'GET') {
        if ('location' in q) return reply.header('content-type', XML).send(`<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`);
        return listV2(reply, bucket, q);
      }
      throw new S3Error('NotImplemented', 501, 'A header or query you provided implies functionality that is not implemented.');
    }
    checkObjectKey(key);
    if ('tagging' in q || 'acl' in q) throw new S3Error('NotImplemented', 501, 'tagging and ACLs are not implemented');
    const str = (h: string | string[] | undefined) => (typeof h === 'string' ? h : undefined);
    if (m === 'POST' && 'uploads' in q) {
      await media.set.requireBucket(bucket);
      const id = await multipart.create(bucket, key, { contentType: str(request.headers['content-type']), cacheControl: str(request.headers['cache-control']) });
      return reply.header('content-type', XML).send(`<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (q.uploadId !== undefined) {
      if (m === 'PUT' && q.partNumber !== undefined) return reply.header('etag', `"${await multipart.uploadPart(bucket, key, q.uploadId, q.partNumber, body)}"`).send();
      if (m === 'POST') {
        const info = await multipart.complete(bucket, key, q.uploadId, body);
        return reply.header('content-type', XML).send(`<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>/${xmlEscape(bucket)}/${xmlEscape(key)}</Location><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>&quot;${info.etag}&quot;</ETag></CompleteMultipartUploadResult>`);
      }
      if (m === 'DELETE') {
        await multipart.abort(bucket, key, q.uploadId);
        return reply.code(204).send();
      }
      throw new S3Error('NotImplemented', 501, 'ListParts is not implemented');
    }
    if (m === 'PUT') {
      if (request.headers['x-amz-copy-source']) throw new S3Error('NotImplemented', 501, 'CopyObject is not implemented');
      const md5 = request.headers['content-md5'];
      if (typeof md5 === 'string' && createHash('md5').update(body).digest('base64') !== md5) throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
      const info = await media.set.put({
        bucket,
        key,
        body,
        contentType: typeof request.headers['content-type'] === 'string' ? request.headers['content-type'] : undefined,
        cacheControl: typeof request.headers['cache-control'] === 'string' ? request.headers['cache-control'] : undefined,
      });
      return reply.header('etag', `"${info.etag}"`).send();
    }
    if (m === 'HEAD') {
      const info = await media.set.head(bucket, key);
      objectHeaders(reply, info).header('content-length', info.size);
      return reply.send();
    }
    if (m === 'GET') {
      const { info, body: data } = await media.set.get(bucket, key);
      objectHeaders(reply, info);
      const range = parseRange(typeof request.headers.range === 'string' ? request.headers.range : undefined, info.size);
      if (!range) return reply.send(data);
      return reply.code(206).header('content-range', `bytes ${range[0]}-${range[1]}/${info.size}`).send(data.subarray(range[0], range[1] + 1));
    }
    if (m === 'DELETE') {
      await media.set.delete(bucket, key);
      return reply.code(204).send();
    }
    throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }

  function objectHeaders(reply: FastifyReply, info: ObjectInfo): FastifyReply {
    reply
      .header('content-type', info.contentType)
      .header('etag', `"${info.etag}"`)
      .header('last-modified', new Date(info.lastModified).toUTCString())
      .header('accept-ranges', 'bytes')
      .header('x-scaleout-level', info.level);
    if (info.cacheControl) reply.header('cache-control', info.cacheControl);
    return reply;
  }

  async function listV2(reply: FastifyReply, bucket: string, q: Record<string, string>): Promise<unknown> {
    const maxKeys = q['max-keys'] === undefined ? 1000 : Number(q['max-keys']);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error('InvalidArgument', 400, 'max-keys must be a non-negative integer');
    let after = q['start-after'];
    const token = q['continuation-token'];
    if (token !== undefined) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (after === '') throw new S3Error('InvalidArgument', 400, 'The continuation token provided is incorrect');
    }
    const page = await media.set.list(bucket, { prefix: q.prefix, delimiter: q.delimiter || undefined, startAfter: after, maxKeys: Math.min(maxKeys, 1000) });
    return reply.header('content-type', XML).send(
      listObjectsV2Xml({
        bucket,
        prefix: q.prefix ?? '',
        delimiter: q.delimiter || undefined,
        maxKeys: Math.min(maxKeys, 1000),
        startAfter: q['start-after'],
        continuationToken: token,
        nextContinuationToken: page.nextKey === undefined ? undefined : Buffer.from(page.nextKey).toString('base64url'),
        truncated: page.truncated,
        objects: page.objects,
        prefixes: page.prefixes,
        encodeUrl: q['encoding-type'] === 'url',
      }),
    );
  }

  app.addHook('onClose', async () => {
    await media.close();
  });
  return app;
}

/** Bounded operation label for metrics. */
function opName(request: FastifyRequest): string {
  const path = (request.raw.url ?? '/').split('?')[0]!;
  const parts = path.split('/').filter(Boolean);
  const scope = parts.length === 0 ? 'service' : parts.length === 1 ? 'bucket' : 'object';
  return `${request.method.toLowerCase()}_${scope}`;
}
