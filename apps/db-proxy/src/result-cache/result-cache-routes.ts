import { bearerChecker } from '@scaleout/service';
import { GtidPosition } from '@scaleout/replication';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DbProxyError, UnauthorizedError } from '../errors.js';
import type { InvalidateBody } from './peer-invalidation.js';
import type { ResultCache } from './result-cache.js';

export interface ResultCacheRoutesOptions {
  cache: ResultCache | undefined;
  token: string;
}

const errorSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;
const statsSchema = { type: 'object', properties: { enabled: { type: 'boolean' }, entries: { type: 'number' }, bytes: { type: 'number' }, rules: { type: 'array', items: { type: 'string' } } } } as const;

/** `/api/result-cache`: stats, and invalidations sent by the peer proxy. Bearer token. */
const resultCacheRoutes: FastifyPluginAsync<ResultCacheRoutesOptions> = async (app, opts) => {
  const authorized = bearerChecker(opts.token);
  app.addHook('onRequest', async (request) => {
    if (!authorized(request.headers.authorization)) throw new UnauthorizedError();
  });
  app.setErrorHandler(async (err, _request, reply: FastifyReply) => {
    if (err instanceof DbProxyError) return reply.code(err.statusCode).send({ code: err.code, message: err.message });
    const e = err as { statusCode?: number; message: string };
    if (e.statusCode && e.statusCode < 500) return reply.code(e.statusCode).send({ code: 'DBPROXY_ERR_BAD_REQUEST', message: e.message });
    return reply.code(500).send({ code: 'DBPROXY_ERR_INTERNAL', message: 'internal error' });
  });
  const stats = () => ({ enabled: opts.cache !== undefined, entries: opts.cache?.size ?? 0, bytes: opts.cache?.bytes ?? 0, rules: opts.cache?.rules.map((r) => r.name) ?? [] });

  app.get('/', { schema: { response: { 200: statsSchema } } }, async () => stats());

  app.post<{ Body: InvalidateBody }>(
    '/invalidate',
    {
      schema: {
        body: {
          type: 'object',
          required: ['tables', 'gtid'],
          additionalProperties: false,
          properties: {
            tables: { anyOf: [{ type: 'string', enum: ['all'] }, { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 3, maxLength: 200 } }] },
            gtid: { type: 'string', maxLength: 10_000 },
          },
        },
        response: { 200: statsSchema, 400: errorSchema },
      },
    },
    async (request, reply) => {
      let pos: GtidPosition;
      try {
        pos = GtidPosition.parse(request.body.gtid);
      } catch {
        return reply.code(400).send({ code: 'DBPROXY_ERR_BAD_REQUEST', message: `gtid "${request.body.gtid}" is not a GTID list` });
      }
      opts.cache?.invalidate(request.body.tables, pos, 'peer');
      return stats();
    },
  );
};

export default resultCacheRoutes;
