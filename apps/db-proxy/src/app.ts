import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { buildAdminApp, startAdminServer, type AdminServer, type Logger, Readiness } from '@scaleout/service';
import { createRegistry } from '@scaleout/metrics';
import adminRoutes from './admin/admin-routes.js';
import type { DbProxyConfig } from './config.js';
import { DbProxy } from './db-proxy.js';
import resultCacheRoutes from './result-cache/result-cache-routes.js';

export interface RunningDbProxy {
  proxy: DbProxy;
  admin: AdminServer;
  /** Port of the MySQL listener. */
  port: number;
  close(): Promise<void>;
}

/** Builds the proxy from a configuration (what server.ts and the tests use). */
export function buildDbProxy(config: DbProxyConfig & { adminToken?: string }, logger: Logger): DbProxy {
  let tls;
  if (config.tlsCert || config.tlsKey) {
    if (!config.tlsCert || !config.tlsKey) throw new Error('DBPROXY_TLS_CERT and DBPROXY_TLS_KEY must be set together');
    tls = createSecureContext({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) });
  }
  return new DbProxy({ ...config }, { logger, registry: createRegistry(), readiness: new Readiness(), tls });
}

/**
 * Starts the proxy and its admin HTTP server (`/healthz`, `/readyz`, `/metrics`, `/api/…` with the bearer
 * token). Every admin response carries `X-Served-By`.
 */
export async function startDbProxy(config: DbProxyConfig & { adminToken: string }, logger: Logger): Promise<RunningDbProxy> {
  const proxy = buildDbProxy(config, logger);
  const app = buildAdminApp({ service: 'db-proxy', instance: config.instance, logger, registry: proxy.registry, readiness: proxy.readiness });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Served-By', config.instance);
  });
  app.register(adminRoutes, { prefix: '/api', proxy, token: config.adminToken });
  app.register(resultCacheRoutes, { prefix: '/api/result-cache', cache: proxy.resultCache, token: config.adminToken });
  const { port } = await proxy.start();
  let admin: AdminServer;
  try {
    admin = await startAdminServer(
      { service: 'db-proxy', instance: config.instance, logger, registry: proxy.registry, readiness: proxy.readiness, host: config.adminHost, port: config.adminPort },
      app,
    );
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return {
    proxy,
    admin,
    port,
    async close() {
      await proxy.close(Math.max(0, config.grace - 1000));
      await admin.close();
    },
  };
}
