import type { AddServerBody, ServerStateBody, ServerWeightBody } from '@scaleout/contracts';
import { bearerChecker, errorBody, errorBodySchema, installErrorHandler } from '@scaleout/service';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AdminTarget } from './admin-types.js';
import { LbError, type LbErrorCode } from './errors.js';
import { parseServerSpec } from './config.js';
import cacheRoutes from './cache/cache-routes.js';

export interface AdminRoutesOptions {
  lb: AdminTarget;
  token: string;
}

const serverSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    address: { type: 'string' },
    source: { type: 'string' },
    state: { type: 'string', enum: ['ready', 'drain', 'maint', 'down'] },
    adminState: { type: 'string' },
    healthy: { type: 'boolean' },
    ejected: { type: 'boolean' },
    weight: { type: 'number' },
    maxconn: { type: 'number' },
    inflight: { type: 'number' },
    idleConnections: { type: 'number' },
    requests: { type: 'number' },
    responses: { type: 'object', additionalProperties: { type: 'number' } },
    connectionErrors: { type: 'number' },
    retries: { type: 'number' },
    transitions: { type: 'number' },
    bytesIn: { type: 'number' },
    bytesOut: { type: 'number' },
    lastTransitionAt: { type: 'string' },
    check: {
      type: 'object',
      properties: { state: { type: 'string' }, checks: { type: 'number' }, failures: { type: 'number' }, lastError: { type: ['string', 'null'] } },
    },
  },
  required: ['name', 'address', 'state', 'weight'],
} as const;

const poolSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    algorithm: { type: 'string' },
    discovery: { type: ['object', 'null'], additionalProperties: true },
    queue: { type: 'number' },
    redispatches: { type: 'number' },
    serversUp: { type: 'number' },
    servers: { type: 'array', items: serverSchema },
  },
  required: ['name', 'servers'],
} as const;

const errorSchema = errorBodySchema;

const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema };
const poolParams = { type: 'object', properties: { pool: { type: 'string' } }, required: ['pool'] } as const;
const serverParams = { type: 'object', properties: { pool: { type: 'string' }, server: { type: 'string' } }, required: ['pool', 'server'] } as const;

function sendError(reply: FastifyReply, code: LbErrorCode, message: string) {
  const err = new LbError(code, message);
  return reply.code(err.statusCode).header('x-scaleout-error', code).send(errorBody('flat', { code, message }));
}

/**
 * The admin API under `/api/` (bearer token): pools and servers with state and counters, state
 * (ready/drain/maint), weight, add and remove servers. Changes are saved to the state file.
 */
const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, { lb, token }) => {
  const authorized = bearerChecker(token);
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') && req.url !== '/api') return;
    if (!authorized(req.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="scaleout-lb"');
      return sendError(reply, 'LB_ERR_UNAUTHORIZED', 'a valid bearer token (SCALEOUT_ADMIN_TOKEN) is required');
    }
  });
  installErrorHandler(app, {
    prefix: 'LB',
    errorClass: LbError,
    badRequestCode: 'LB_ERR_INVALID',
    badRequestAs400: true,
    onReply: (reply, d) => {
      if (d.code !== 'LB_ERR_INTERNAL') reply.header('x-scaleout-error', d.code);
    },
  });

  app.get('/api/pools', { schema: { response: { 200: { type: 'object', properties: { instance: { type: 'string' }, pools: { type: 'array', items: poolSchema } } }, ...errors } } }, async () => ({
    instance: lb.config.instance,
    pools: [...lb.pools.values()].map((p) => lb.viewPool(p)),
  }));

  app.get<{ Params: { pool: string } }>('/api/pools/:pool', { schema: { params: poolParams, response: { 200: poolSchema, ...errors } } }, async (req) =>
    lb.viewPool(lb.pool(req.params.pool)),
  );

  app.get<{ Params: { pool: string } }>(
    '/api/pools/:pool/servers',
    { schema: { params: poolParams, response: { 200: { type: 'array', items: serverSchema }, ...errors } } },
    async (req) => lb.viewPool(lb.pool(req.params.pool)).servers,
  );

  app.get<{ Params: { pool: string; server: string } }>(
    '/api/pools/:pool/servers/:server',
    { schema: { params: serverParams, response: { 200: serverSchema, ...errors } } },
    async (req) => {
      const { pool, server } = lb.server(req.params.pool, req.params.server);
      return lb.viewServer(pool, server);
    },
  );

  app.put<{ Params: { pool: string; server: string }; Body: ServerStateBody }>(
    '/api/pools/:pool/servers/:server/state',
    {
      schema: {
        params: serverParams,
        body: { type: 'object', properties: { state: { type: 'string', enum: ['ready', 'drain', 'maint'] } }, required: ['state'], additionalProperties: false },
        response: { 200: serverSchema, ...errors },
      },
    },
    async (req) => lb.setState(req.params.pool, req.params.server, req.body.state),
  );

  app.put<{ Params: { pool: string; server: string }; Body: ServerWeightBody }>(
    '/api/pools/:pool/servers/:server/weight',
    {
      schema: {
        params: serverParams,
        body: { type: 'object', properties: { weight: { type: 'integer', minimum: 1, maximum: 256 } }, required: ['weight'], additionalProperties: false },
        response: { 200: serverSchema, ...errors },
      },
    },
    async (req) => lb.setWeight(req.params.pool, req.params.server, req.body.weight),
  );

  app.post<{ Params: { pool: string }; Body: AddServerBody }>(
    '/api/pools/:pool/servers',
    {
      schema: {
        params: poolParams,
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
            address: { type: 'string', minLength: 3, maxLength: 300 },
            weight: { type: 'integer', minimum: 1, maximum: 256 },
            maxconn: { type: 'integer', minimum: 0 },
            state: { type: 'string', enum: ['ready', 'drain', 'maint'] },
          },
          required: ['address'],
          additionalProperties: false,
        },
        response: { 201: serverSchema, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const pool = lb.pool(req.params.pool);
      const spec = parseServerSpec(b.address, b.name ?? b.address, lb.config.maxconn);
      if (typeof spec === 'string') throw new LbError('LB_ERR_INVALID', `address ${JSON.stringify(b.address)}: ${spec}`);
      if (b.weight !== undefined) spec.weight = b.weight;
      if (b.maxconn !== undefined) spec.maxconn = b.maxconn;
      if (b.name !== undefined) spec.name = b.name;
      const view = lb.addServer(pool.name, spec, b.state ?? 'ready');
      return reply.code(201).send(view);
    },
  );

  app.delete<{ Params: { pool: string; server: string } }>(
    '/api/pools/:pool/servers/:server',
    { schema: { params: serverParams, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      lb.removeServer(req.params.pool, req.params.server);
      return reply.code(204).send();
    },
  );

  await app.register(cacheRoutes, { cache: lb.cache });
};

export default adminRoutes;
