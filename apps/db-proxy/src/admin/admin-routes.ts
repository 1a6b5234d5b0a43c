import { bearerChecker, errorBodySchema, installErrorHandler } from '@scaleout/service';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerView } from '@scaleout/replication';
import { ControlConflictError, DbProxyError, UnauthorizedError } from '../errors.js';
import type { DbProxy } from '../db-proxy.js';

export interface AdminRoutesOptions {
  proxy: DbProxy;
  token: string;
}

const backendSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    address: { type: 'string' },
    role: { type: 'string' },
    state: { type: 'string' },
    readOnly: { type: ['boolean', 'null'] },
    lagSeconds: { type: ['number', 'null'] },
    replicating: { type: 'boolean' },
    behindWriter: { type: ['number', 'null'] },
    serverId: { type: ['number', 'null'] },
    gtid: {
      type: 'object',
      properties: { binlog: { type: 'string' }, slave: { type: 'string' }, current: { type: 'string' } },
    },
    replication: {
      type: ['object', 'null'],
      properties: {
        master: { type: 'string' },
        io: { type: 'string' },
        sql: { type: 'string' },
        lastError: { type: 'string' },
      },
    },
    semiSync: {
      type: ['object', 'null'],
      properties: { masterEnabled: { type: 'boolean' }, masterActive: { type: 'boolean' }, slaveEnabled: { type: 'boolean' }, timeoutMs: { type: 'number' } },
    },
    epoch: { type: ['number', 'null'] },
    lastError: { type: ['string', 'null'] },
    connections: { type: 'object', properties: { inUse: { type: 'number' }, idle: { type: 'number' }, pending: { type: 'number' } } },
    inflight: { type: 'number' },
  },
} as const;

const errorSchema = errorBodySchema;

/** `/api/…` of the admin port: backends, writer, switchover, rejoin, recent control actions. Bearer token. */
const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, opts) => {
  const { proxy } = opts;
  const authorized = bearerChecker(opts.token);

  app.addHook('onRequest', async (request) => {
    if (!authorized(request.headers.authorization)) throw new UnauthorizedError();
  });

  installErrorHandler(app, { prefix: 'DBPROXY', errorClass: DbProxyError });

  app.get(
    '/backends',
    { schema: { response: { 200: { type: 'object', properties: { writer: { type: ['string', 'null'] }, epoch: { type: 'number' }, backends: { type: 'array', items: backendSchema } } } } } },
    async () => ({ writer: proxy.controller.writer ?? null, epoch: proxy.controller.epoch, backends: proxy.controller.views().map((v) => describe(proxy, v)) }),
  );

  app.get(
    '/writer',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              writer: { type: ['string', 'null'] },
              epoch: { type: 'number' },
              reason: { type: 'string' },
              writesHeld: { type: 'boolean' },
              busy: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    async () => ({
      writer: proxy.controller.writer ?? null,
      epoch: proxy.controller.epoch,
      reason: proxy.controller.decision.reason,
      writesHeld: proxy.cluster.held,
      busy: proxy.controller.busy ?? null,
    }),
  );

  app.post<{ Body: { to?: string } | undefined }>(
    '/switchover',
    {
      schema: {
        body: { type: ['object', 'null'], properties: { to: { type: 'string', minLength: 1, maxLength: 64 } }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: { from: { type: 'string' }, to: { type: 'string' }, position: { type: 'string' }, durationMs: { type: 'number' } },
          },
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const started = Date.now();
      try {
        const r = await proxy.switchover(request.body?.to);
        return { from: r.from, to: r.to, position: r.position, durationMs: Date.now() - started };
      } catch (err) {
        throw asConflict(err);
      }
    },
  );

  app.post<{ Params: { name: string }; Body: { force?: boolean } | undefined }>(
    '/backends/:name/rejoin',
    {
      schema: {
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } }, required: ['name'] },
        body: { type: ['object', 'null'], properties: { force: { type: 'boolean' } }, additionalProperties: false },
        response: {
          200: { type: 'object', properties: { server: { type: 'string' }, writer: { type: 'string' }, extraTransactions: { type: 'string' } } },
          409: errorSchema,
        },
      },
    },
    async (request) => {
      try {
        return await proxy.controller.rejoin(request.params.name, { force: request.body?.force });
      } catch (err) {
        throw asConflict(err);
      }
    },
  );

  app.get(
    '/actions',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              actions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    kind: { type: 'string' },
                    server: { type: 'string' },
                    from: { type: 'string' },
                    ok: { type: 'boolean' },
                    code: { type: 'string' },
                    error: { type: 'string' },
                    durationMs: { type: 'number' },
                    at: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ actions: proxy.controller.actions() }),
  );

  app.get(
    '/sessions',
    { schema: { response: { 200: { type: 'object', properties: { clients: { type: 'number' }, writing: { type: 'number' } } } } } },
    async () => ({ clients: proxy.sessions.size, writing: [...proxy.sessions].filter((s) => s.writing).length }),
  );

  // KILL forwarded by a peer proxy: only this proxy's own sessions (never forwarded again)
  app.post<{ Params: { id: number }; Body: { query: boolean; user: string } }>(
    '/sessions/:id/kill',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 4294967295 } } },
        body: {
          type: 'object',
          required: ['query', 'user'],
          additionalProperties: false,
          properties: { query: { type: 'boolean' }, user: { type: 'string', maxLength: 256 } },
        },
        response: { 200: { type: 'object', properties: { result: { type: 'string', enum: ['ok', 'unknown', 'denied'] } } }, 400: errorSchema },
      },
    },
    async (request) => ({ result: await proxy.killLocal(request.params.id, request.body.query, request.body.user) }),
  );
};

function asConflict(err: unknown): Error {
  if (err instanceof DbProxyError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('REPL_ERR_')) return new ControlConflictError(`${code}: ${(err as Error).message}`, err);
  return err as Error;
}

function describe(proxy: DbProxy, v: ServerView) {
  const p = v.probe;
  const writerPos = proxy.controller.views().find((x) => x.role === 'writer')?.probe?.gtidBinlogPos;
  const stats = proxy.pool.stats(v.name);
  return {
    name: v.name,
    address: `${v.host}:${v.port}`,
    role: v.role,
    state: v.health,
    readOnly: p?.readOnly ?? null,
    lagSeconds: v.lagSeconds,
    replicating: v.replicating,
    behindWriter: writerPos && p ? Number(p.gtidBinlogPos.behind(writerPos)) : null,
    serverId: p?.serverId ?? null,
    gtid: { binlog: p?.gtidBinlogPos.toString() ?? '', slave: p?.gtidSlavePos.toString() ?? '', current: p?.gtidCurrentPos.toString() ?? '' },
    replication: p?.slave
      ? {
          master: `${p.slave.masterHost}:${p.slave.masterPort}`,
          io: p.slave.ioRunning,
          sql: p.slave.sqlRunning,
          lastError: p.slave.lastIoError || p.slave.lastSqlError,
        }
      : null,
    semiSync: p
      ? { masterEnabled: p.semiSync.masterEnabled, masterActive: p.semiSync.masterActive, slaveEnabled: p.semiSync.slaveEnabled, timeoutMs: p.semiSync.timeoutMs }
      : null,
    epoch: p?.epoch?.epoch ?? null,
    lastError: v.lastError ?? null,
    connections: { inUse: stats.inUse, idle: stats.idle, pending: stats.pending },
    inflight: proxy.cluster.inflight.get(v.name) ?? 0,
  };
}

export default adminRoutes;
