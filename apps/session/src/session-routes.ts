import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { isRandomId } from '@scaleout/hashing';
import { apiErrorBodySchema } from '@scaleout/service';
import { SessionError, SessionNotFoundError } from './errors.js';
import type { SessionMetrics, SessionOp, SessionResult } from './session-metrics.js';
import { toView, type SessionRecord } from './session-record.js';
import type { IfMatch, SessionStore, StoredSession } from './session-store.js';

export interface SessionRoutesOptions {
  store: SessionStore;
  metrics: SessionMetrics;
}

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    version: { type: 'integer' },
    data: { type: 'object', additionalProperties: true },
    expiresAt: { type: 'string' },
  },
  required: ['id', 'version', 'data', 'expiresAt'],
} as const;

export const errorSchema = apiErrorBodySchema;

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 412: errorSchema, 413: errorSchema, 415: errorSchema, 428: errorSchema, 500: errorSchema, 503: errorSchema };

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 512 } },
  required: ['id'],
} as const;

const dataBody = {
  type: 'object',
  properties: { data: { type: 'object', additionalProperties: true } },
  additionalProperties: false,
} as const;

interface IdRoute {
  Params: { id: string };
}

/** `If-Match` as a version: `3`, `"3"`, `W/"3"` or `*`; undefined when absent; null when malformed. */
export function parseIfMatch(raw: string | undefined): IfMatch | undefined | null {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === '*') return '*';
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(v);
  return m ? Number(m[1]) : null;
}

function resultOf(err: unknown): SessionResult {
  if (!(err instanceof SessionError)) return 'error';
  switch (err.code) {
    case 'SESSION_ERR_NOT_FOUND':
      return 'not_found';
    case 'SESSION_ERR_VERSION_MISMATCH':
    case 'SESSION_ERR_CONFLICT':
      return 'conflict';
    case 'SESSION_ERR_PRECONDITION_REQUIRED':
      return 'precondition_required';
    case 'SESSION_ERR_TOO_LARGE':
      return 'too_large';
    case 'SESSION_ERR_BAD_REQUEST':
      return 'bad_request';
    case 'SESSION_ERR_UNAVAILABLE':
    case 'SESSION_ERR_DURABLE_UNAVAILABLE':
      return 'unavailable';
    default:
      return 'error';
  }
}

/** The session API under `/v1/sessions` (see the README for the contract). */
const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, { store, metrics }) => {
  async function run<T>(op: SessionOp, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await fn();
      metrics.observe(op, 'ok', (performance.now() - t0) / 1000);
      return r;
    } catch (err) {
      metrics.observe(op, resultOf(err), (performance.now() - t0) / 1000);
      throw err;
    }
  }

  /** Malformed ids are answered 404 before any storage is touched. */
  function checkId(op: SessionOp, id: string): void {
    if (!isRandomId(id)) {
      metrics.observe(op, 'not_found', 0);
      throw new SessionNotFoundError();
    }
  }

  function send(reply: FastifyReply, r: StoredSession, status = 200) {
    const rec: SessionRecord = r.record;
    reply.code(status).header('etag', `"${rec.version}"`).header('cache-control', 'no-store');
    if (r.node) reply.header('x-session-source', r.node);
    return toView(rec);
  }

  app.post<{ Body: { data?: Record<string, unknown> } }>(
    '/v1/sessions',
    {
      schema: { body: dataBody, response: { 201: sessionSchema, ...errors } },
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const r = await run('create', () => store.create(request.body.data ?? {}));
      reply.header('location', `/v1/sessions/${r.record.id}`);
      return send(reply, r, 201);
    },
  );

  app.get<IdRoute>('/v1/sessions/:id', { schema: { params: idParams, response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
    checkId('get', request.params.id);
    return send(reply, await run('get', () => store.get(request.params.id)));
  });

  app.put<IdRoute & { Body: { data: Record<string, unknown> } }>(
    '/v1/sessions/:id',
    {
      schema: {
        params: idParams,
        body: { ...dataBody, required: ['data'] },
        headers: { type: 'object', properties: { 'if-match': { type: 'string' } } },
        response: { 200: sessionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      checkId('replace', id);
      const ifMatch = parseIfMatch(request.headers['if-match']);
      if (ifMatch === undefined) {
        metrics.observe('replace', 'precondition_required', 0);
        throw new SessionError('SESSION_ERR_PRECONDITION_REQUIRED', 428, 'PUT needs If-Match: <version> (or *)');
      }
      if (ifMatch === null) {
        metrics.observe('replace', 'bad_request', 0);
        throw new SessionError('SESSION_ERR_BAD_REQUEST', 400, 'If-Match must be a version number, "<version>" or *');
      }
      return send(reply, await run('replace', () => store.replace(id, ifMatch, request.body.data)));
    },
  );

  app.delete<IdRoute>('/v1/sessions/:id', { schema: { params: idParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
    checkId('delete', request.params.id);
    await run('delete', () => store.delete(request.params.id));
    reply.code(204).header('cache-control', 'no-store');
    return null;
  });

  app.post<IdRoute>('/v1/sessions/:id/touch', { schema: { params: idParams, response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
    checkId('touch', request.params.id);
    return send(reply, await run('touch', () => store.touch(request.params.id)));
  });

  app.post<IdRoute>('/v1/sessions/:id/rotate', { schema: { params: idParams, response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
    checkId('rotate', request.params.id);
    const r = await run('rotate', () => store.rotate(request.params.id));
    reply.header('location', `/v1/sessions/${r.record.id}`);
    return send(reply, r);
  });
};

export default sessionRoutes;
