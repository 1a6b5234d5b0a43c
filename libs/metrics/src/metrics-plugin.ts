import fp from 'fastify-plugin';
import { Histogram, type Registry } from 'prom-client';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { LATENCY_BUCKETS } from './buckets.js';
import { metricName } from './metric-name.js';

export interface MetricsPluginOptions {
  registry: Registry;
  /** Service name used in metric names: `scaleout_<service>_http_request_duration_seconds`. */
  service: string;
  /** Where to expose the Prometheus text format; `false` to record without exposing. Default `/metrics`. */
  path?: string | false;
  /** Route templates not recorded in the request histogram. Default: the metrics and health routes. */
  skipRoutes?: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
}

const kStart = Symbol('scaleout.metrics.start');
type Timed = FastifyRequest & { [kStart]?: bigint };

/** Label used for requests that matched no route: raw URLs never become label values. */
export const UNMATCHED_ROUTE = '<unmatched>';

const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (fastify, opts) => {
  const path = opts.path === undefined ? '/metrics' : opts.path;
  const skip = new Set(opts.skipRoutes ?? ['/metrics', '/healthz', '/readyz']);
  const name = metricName(opts.service, 'http_request_duration', 'seconds');
  const histogram =
    (opts.registry.getSingleMetric(name) as Histogram<'method' | 'route' | 'status_code'> | undefined) ??
    new Histogram({
      name,
      help: 'HTTP request duration by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [...LATENCY_BUCKETS],
      registers: [opts.registry],
    });

  fastify.decorate('metricsRegistry', opts.registry);

  fastify.addHook('onRequest', async (request) => {
    (request as Timed)[kStart] = process.hrtime.bigint();
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const start = (request as Timed)[kStart];
    if (start === undefined) return;
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    if (skip.has(route)) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    histogram.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
  });

  if (path !== false) {
    fastify.get(
      path,
      {
        logLevel: 'warn',
        schema: {
          hide: true,
          response: { 200: { type: 'string' } },
        },
      },
      async (_request, reply) => {
        const body = await opts.registry.metrics();
        reply.header('content-type', opts.registry.contentType);
        return body;
      },
    );
  }
};

/** Fastify plugin: request-duration histogram labelled by route template, and the `/metrics` endpoint. */
export default fp(metricsPlugin, { name: 'scaleout-metrics', fastify: '5.x' });
