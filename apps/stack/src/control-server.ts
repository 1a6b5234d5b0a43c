import Fastify, { type FastifyInstance } from 'fastify';
import { createRegistry, Gauge, metricsPlugin } from '@scaleout/metrics';
import { errorBodySchema, fastifyLogging, healthRoutes, Readiness, installErrorHandler, type Logger } from '@scaleout/service';
import { mapPage } from './observatory/map-page.js';
import { observatoryRoutes, type ObservatoryRoutesOptions } from './observatory/observatory-routes.js';
import type { AdminAuth } from './observatory/admin-auth.js';
import { tailFile } from './tail-file.js';
import type { Autoscaler } from './autoscaler/autoscaler.js';
import { registerAutoscalerMetrics } from './autoscaler/autoscaler-metrics.js';
import { autoscalerRoutes } from './autoscaler/autoscaler-routes.js';
import type { Supervisor } from './supervisor.js';
import type { ServiceName } from './stack-spec.js';
import { StackError } from './stack-error.js';

export interface ControlServerOptions {
  supervisor: Supervisor;
  logger: Logger;
  auth: AdminAuth;
  readiness: Readiness;
  /** The live map's figures, load runs and admin URLs. */
  observatory: Omit<ObservatoryRoutesOptions, 'supervisor' | 'auth'>;
  info: Record<string, unknown>;
  /** Called by POST /api/down after the reply is sent. */
  onDown(): void;
  /** Called after a successful scale (e.g. rewrite the Prometheus config). */
  onScaled?(): void;
  /** The web tier's autoscaler (`up --autoscale`): `/api/autoscaler`, its metrics; manual web scaling is refused. */
  autoscaler?: Autoscaler | null;
}

const statusSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    service: { type: 'string' },
    address: { type: 'string' },
    pid: { type: ['integer', 'null'] },
    state: { type: 'string' },
    healthy: { type: 'boolean' },
    restarts: { type: 'integer' },
    lastError: { type: 'string' },
  },
  required: ['name', 'service', 'address', 'pid', 'state', 'healthy'],
} as const;

const errorSchema = errorBodySchema;

const ACTIONS = ['kill', 'pause', 'resume', 'restart', 'stop'] as const;
type Action = (typeof ACTIONS)[number];

/** The stack control plane on 127.0.0.1:7000: JSON API used by the CLI, the dashboard, health and metrics. */
export function buildControlServer(o: ControlServerOptions): FastifyInstance {
  const app = Fastify(fastifyLogging(o.logger.child({ component: 'control' })));
  const registry = createRegistry();
  const up = new Gauge({
    name: 'scaleout_stack_instance_up',
    help: 'Whether the instance process is running (1) or not (0).',
    labelNames: ['instance', 'service'],
    registers: [registry],
  });
  const healthy = new Gauge({
    name: 'scaleout_stack_instance_healthy',
    help: 'Whether the instance passes its readiness check (1) or not (0).',
    labelNames: ['instance', 'service'],
    registers: [registry],
  });
  const restarts = new Gauge({
    name: 'scaleout_stack_instance_restarts',
    help: 'Restarts of the instance after crashes since the stack started.',
    labelNames: ['instance', 'service'],
    registers: [registry],
  });
  app.addHook('onRequest', async (request) => {
    if (request.url === '/metrics') {
      up.reset();
      healthy.reset();
      restarts.reset();
      for (const s of o.supervisor.status()) {
        const labels = { instance: s.name, service: s.service };
        up.set(labels, s.pid === null ? 0 : 1);
        healthy.set(labels, s.healthy ? 1 : 0);
        restarts.set(labels, s.restarts ?? 0);
      }
    }
  });

  if (o.autoscaler) registerAutoscalerMetrics(registry, o.autoscaler);
  app.register(metricsPlugin, { registry, service: 'stack' });
  app.register(healthRoutes, { readiness: o.readiness, service: 'stack', instance: 'stack' });

  installErrorHandler(app, { prefix: 'STACK' });

  // A page of another site (or a rebinding DNS name) gets nothing from the control server without the token.
  app.addHook('onRequest', async (request) => {
    if (request.url !== '/healthz' && request.url !== '/readyz' && request.url !== '/metrics') o.auth.checkOrigin(request);
  });
  const requireToken = async (request: { headers: Record<string, string | string[] | undefined>; method: string }) => o.auth.require(request);

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(mapPage('scaleout stack')));
  app.register(observatoryRoutes, { ...o.observatory, supervisor: o.supervisor, auth: o.auth });
  app.register(autoscalerRoutes, { autoscaler: o.autoscaler ?? null });

  app.get('/api/stack', { schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async () => o.info);

  app.get('/api/instances', { schema: { response: { 200: { type: 'array', items: statusSchema } } } }, async () => o.supervisor.status());

  app.get<{ Params: { name: string } }>(
    '/api/instances/:name',
    { schema: { params: { type: 'object', properties: { name: { type: 'string' } } }, response: { 200: statusSchema, 404: errorSchema } } },
    async (request) => {
      const s = o.supervisor.get(request.params.name);
      if (!s) throw new StackError('STACK_ERR_UNKNOWN_INSTANCE', `no instance named ${request.params.name}`);
      return s;
    },
  );

  app.post<{ Params: { name: string; action: Action } }>(
    '/api/instances/:name/:action',
    {
      preHandler: requireToken,
      schema: {
        params: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 64 }, action: { type: 'string', enum: [...ACTIONS] } },
          required: ['name', 'action'],
        },
        response: { 200: statusSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { name, action } = request.params;
      o.logger.info({ instance: name, action }, 'control action');
      return o.supervisor[action](name);
    },
  );

  app.post<{ Body: { service: ServiceName; count: number } }>(
    '/api/scale',
    {
      preHandler: requireToken,
      schema: {
        body: {
          type: 'object',
          properties: { service: { type: 'string', maxLength: 32 }, count: { type: 'integer', minimum: 1, maximum: 50 } },
          required: ['service', 'count'],
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: statusSchema }, 400: errorSchema, 401: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const a = o.autoscaler;
      if (a && request.body.service === 'web') {
        throw new StackError('STACK_ERR_AUTOSCALED', `web is autoscaled (${a.config.minReplicas}..${a.config.maxReplicas} replicas, now ${a.current}); restart the stack without --autoscale to scale it by hand`, 409);
      }
      const result = await o.supervisor.scale(request.body.service, request.body.count);
      o.onScaled?.();
      return result;
    },
  );

  app.get<{ Params: { name: string }; Querystring: { lines?: number } }>(
    '/api/instances/:name/logs',
    {
      schema: {
        params: { type: 'object', properties: { name: { type: 'string' } } },
        querystring: { type: 'object', properties: { lines: { type: 'integer', minimum: 1, maximum: 10000 } } },
      },
    },
    async (request, reply) => {
      if (!o.supervisor.get(request.params.name)) throw new StackError('STACK_ERR_UNKNOWN_INSTANCE', `no instance named ${request.params.name}`);
      return reply.type('text/plain; charset=utf-8').send(tailFile(o.supervisor.logFile(request.params.name), request.query.lines ?? 100));
    },
  );

  app.post(
    '/api/down',
    { preHandler: requireToken, schema: { response: { 202: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async (_request, reply) => {
      reply.code(202).send({ status: 'stopping' });
      setImmediate(o.onDown);
      return reply;
    },
  );

  return app;
}
