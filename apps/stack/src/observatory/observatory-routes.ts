import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBodySchema } from '@scaleout/service';
import type { Supervisor } from '../supervisor.js';
import type { AdminAuth } from './admin-auth.js';
import type { LoadControl, LoadRequest } from './load-control.js';
import type { Observatory } from './observatory.js';
import { lbServersPath, type ServerStateBody } from '@scaleout/contracts';
import { callAdmin, callFirstAdmin } from '../admin-client.js';
import { StackError } from '../stack-error.js';

export interface ObservatoryRoutesOptions {
  observatory: Observatory;
  supervisor: Supervisor;
  auth: AdminAuth;
  load: LoadControl;
  /** Admin base URLs of the LBs and of the db-proxies. */
  lbAdminUrls(): { name: string; url: string }[];
  proxyAdminUrls(): string[];
}

const requireResolve = createRequire(import.meta.url);
const assetDir = fileURLToPath(new URL('../../assets/', import.meta.url));

/** Static assets of the page: ours from apps/stack/assets, uPlot from its package. */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'map.js': { file: () => `${assetDir}map.js`, type: 'text/javascript; charset=utf-8' },
  'map.css': { file: () => `${assetDir}map.css`, type: 'text/css; charset=utf-8' },
  'autoscaler.js': { file: () => `${assetDir}autoscaler.js`, type: 'text/javascript; charset=utf-8' },
  'uplot.js': { file: () => requireResolve.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: () => requireResolve.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const okSchema = { type: 'object', additionalProperties: true } as const;
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema, 503: errorBodySchema };

/**
 * The observatory's routes on the control server: the figures (`/api/metrics`, its history, the SSE
 * stream `/api/events`), the admin session of the page, and the actions the page offers beyond the
 * instance actions (LB server state, switchover, load runs).
 */
export async function observatoryRoutes(app: FastifyInstance, o: ObservatoryRoutesOptions): Promise<void> {
  const requireAdmin = async (request: FastifyRequest) => o.auth.require(request);

  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { schema: { params: { type: 'object', properties: { name: { type: 'string', maxLength: 32 } }, required: ['name'] } } },
    async (request, reply) => {
      const a = ASSETS[request.params.name];
      if (!a) throw new StackError('STACK_ERR_NOT_FOUND', `no asset ${request.params.name}`, 404);
      return reply.type(a.type).header('cache-control', 'no-cache').send(readFileSync(a.file()));
    },
  );

  app.get('/api/metrics', { schema: { response: { 200: okSchema, 503: errorBodySchema } } }, async () => {
    const f = o.observatory.latest;
    if (!f) throw new StackError('STACK_ERR_NOT_READY', 'no figures yet (the first scrape runs within a second)', 503);
    return { ...f, load: o.load.status() };
  });

  app.get<{ Querystring: { since?: number } }>(
    '/api/metrics/history',
    { schema: { querystring: { type: 'object', properties: { since: { type: 'integer', minimum: 0 } } }, response: { 200: okSchema } } },
    async (request) => ({ points: o.observatory.history.points(request.query.since ?? 0) }),
  );

  // The control server's onRequest hook has already refused foreign origins on every route below.
  app.get('/api/events', async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const onFigures = (f: unknown) => send('figures', { ...(f as object), load: o.load.status() });
    const onState = (s: unknown) => send('instance', s);
    const onFinished = (r: { sent: number; completed: number; errors: number; failedJourneys?: number; stopped: string }) =>
      send('load-finished', { sent: r.sent, completed: r.completed, errors: r.errors, failedJourneys: r.failedJourneys, stopped: r.stopped });
    if (o.observatory.latest) onFigures(o.observatory.latest);
    o.observatory.on('figures', onFigures);
    o.supervisor.on('state', onState);
    o.load.on('finished', onFinished);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    request.raw.on('close', () => {
      clearInterval(ping);
      o.observatory.off('figures', onFigures);
      o.supervisor.off('state', onState);
      o.load.off('finished', onFinished);
    });
  });

  app.get('/api/auth', { schema: { response: { 200: okSchema } } }, async (request) => ({ authorized: o.auth.authorized(request) }));

  app.post<{ Body: { token: string } }>(
    '/api/login',
    {
      schema: {
        body: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } }, required: ['token'], additionalProperties: false },
        response: { 200: okSchema, ...errors },
      },
    },
    async (request, reply) => {
      const id = o.auth.login(request.body.token);
      reply.header('set-cookie', o.auth.cookie(id));
      return { authorized: true };
    },
  );

  app.post('/api/logout', { schema: { response: { 200: okSchema, 403: errorBodySchema } } }, async (request, reply) => {
    o.auth.logout(request);
    reply.header('set-cookie', o.auth.clearCookie());
    return { authorized: false };
  });

  app.post<{ Params: { server: string }; Body: ServerStateBody }>(
    '/api/lb/servers/:server/state',
    {
      preHandler: requireAdmin,
      schema: {
        params: { type: 'object', properties: { server: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' } }, required: ['server'] },
        body: { type: 'object', properties: { state: { type: 'string', enum: ['ready', 'drain', 'maint'] } }, required: ['state'], additionalProperties: false },
        response: { 200: okSchema, ...errors },
      },
    },
    async (request) => {
      const { server } = request.params;
      const results = await Promise.all(
        o.lbAdminUrls().map(async (lb) => {
          const body: ServerStateBody = { state: request.body.state };
          const a = await callAdmin(lb.url, o.auth.token, { method: 'PUT', path: `${lbServersPath('web', server)}/state`, body });
          return { lb: lb.name, status: a.status, ok: a.status >= 200 && a.status < 300, body: a.body };
        }),
      );
      if (!results.some((r) => r.ok)) {
        const first = results[0];
        const b = (first?.body ?? {}) as { code?: string; message?: string };
        throw new StackError(b.code ?? 'STACK_ERR_NOT_RUNNING', b.message ?? `no LB accepted the change for ${server}`, first && first.status >= 400 ? first.status : 503);
      }
      return { server, state: request.body.state, lbs: results.map(({ lb, status, ok }) => ({ lb, status, ok })) };
    },
  );

  app.post<{ Body: { to?: string } }>(
    '/api/switchover',
    {
      preHandler: requireAdmin,
      schema: {
        body: { type: ['object', 'null'], properties: { to: { type: 'string', maxLength: 32 } }, additionalProperties: false },
        response: { 200: okSchema, ...errors },
      },
    },
    async (request) => callFirstAdmin(o.proxyAdminUrls(), o.auth.token, { method: 'POST', path: '/api/switchover', body: request.body?.to ? { to: request.body.to } : {}, timeoutMs: 120_000 }) as Promise<object>,
  );

  app.get('/api/load', { schema: { response: { 200: okSchema } } }, async () => o.load.status());

  app.post<{ Body: LoadRequest }>(
    '/api/load',
    {
      preHandler: requireAdmin,
      schema: {
        body: {
          type: 'object',
          properties: {
            workload: { type: 'string', enum: ['shop', 'get'] },
            rate: { type: 'number', exclusiveMinimum: 0 },
            rampTo: { type: 'number', exclusiveMinimum: 0 },
            connections: { type: 'integer', minimum: 1, maximum: 10000 },
            durationSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
            path: { type: 'string', maxLength: 2048, pattern: '^/' },
          },
          required: ['workload', 'durationSeconds'],
          additionalProperties: false,
        },
        response: { 202: okSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const spec = o.load.start(request.body);
      return reply.code(202).send({ started: true, spec });
    },
  );

  app.delete('/api/load', { preHandler: requireAdmin, schema: { response: { 200: okSchema, ...errors } } }, async () => ({ stopped: o.load.stop() }));
}
