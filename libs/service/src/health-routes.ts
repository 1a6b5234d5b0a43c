import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from './readiness.js';

export interface HealthRoutesOptions {
  readiness: Readiness;
  service: string;
  instance: string;
}

const checkSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, durationMs: { type: 'number' }, error: { type: 'string' } },
  required: ['ok', 'durationMs'],
} as const;

const readySchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    instance: { type: 'string' },
    draining: { type: 'boolean' },
    checks: { type: 'object', additionalProperties: checkSchema },
  },
  required: ['status', 'instance', 'draining', 'checks'],
} as const;

/**
 * `GET /healthz` (alive: the event loop answers) and `GET /readyz` (200 when every critical readiness
 * check passes and the service is not draining, 503 otherwise, with the report of every check).
 */
const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (fastify, opts) => {
  const started = Date.now();
  fastify.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              service: { type: 'string' },
              instance: { type: 'string' },
              uptimeSeconds: { type: 'number' },
            },
            required: ['status', 'service', 'instance', 'uptimeSeconds'],
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      service: opts.service,
      instance: opts.instance,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }),
  );
  fastify.get(
    '/readyz',
    { logLevel: 'warn', schema: { response: { 200: readySchema, 503: readySchema } } },
    async (_request, reply) => {
      const report = await opts.readiness.evaluate();
      reply.code(report.ready ? 200 : 503);
      return {
        status: report.ready ? 'ready' : report.draining ? 'draining' : 'not ready',
        instance: opts.instance,
        draining: report.draining,
        checks: report.checks,
      };
    },
  );
};

export default fp(healthRoutes, { name: 'scaleout-health-routes', fastify: '5.x' });
