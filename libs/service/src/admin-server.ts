import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyLogging } from './fastify-logging.js';
import { metricsPlugin, type Registry } from '@scaleout/metrics';
import type { Logger } from './create-logger.js';
import healthRoutes from './health-routes.js';
import type { Readiness } from './readiness.js';

export interface AdminServerOptions {
  service: string;
  instance: string;
  logger: Logger;
  registry: Registry;
  readiness: Readiness;
  host: string;
  port: number;
}

export interface AdminServer {
  app: FastifyInstance;
  /** `host:port` actually bound (useful with port 0). */
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Admin HTTP for services whose main port is not HTTP (dns, db-proxy): `/healthz`, `/readyz`,
 * `/metrics`. Further admin routes can be registered on `app` before `listen`.
 */
export function buildAdminApp(options: Omit<AdminServerOptions, 'host' | 'port'>): FastifyInstance {
  const app = Fastify(fastifyLogging(options.logger.child({ component: 'admin' })));
  app.register(metricsPlugin, { registry: options.registry, service: options.service });
  app.register(healthRoutes, { readiness: options.readiness, service: options.service, instance: options.instance });
  return app;
}

export async function startAdminServer(options: AdminServerOptions, app = buildAdminApp(options)): Promise<AdminServer> {
  await app.listen({ host: options.host, port: options.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    app,
    address: `${options.host}:${port}`,
    port,
    close: () => app.close(),
  };
}
