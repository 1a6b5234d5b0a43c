import Fastify, { type FastifyInstance } from 'fastify';
import { createSigner } from '@scaleout/hashing';
import { createRingMetrics, isMemcacheError, MemcacheRing } from '@scaleout/memcache';
import { createRegistry, metricsPlugin, type Registry } from '@scaleout/metrics';
import { createLogger, fastifyLogging, healthRoutes, Readiness, servedBy, type Logger } from '@scaleout/service';
import { ReadThroughCache } from './cache/read-through-cache.js';
import type { WebConfig } from './config.js';
import { Database } from './db/database.js';
import { DbUnavailableError } from './errors.js';
import { runMigrations } from './db/migrations.js';
import { seedDatabase } from './db/seed.js';
import errorHandling from './plugins/error-handling.js';
import { apiRoutes } from './routes/api-routes.js';
import { shopPages } from './routes/shop-pages.js';
import { CsrfTokens } from './session/csrf.js';
import { RequestSession } from './session/request-session.js';
import { SessionClient } from './session/session-client.js';
import { LoginRateLimiter } from './shop/login-rate-limiter.js';
import { Shop } from './shop/shop.js';
import type { WebContext } from './web-context.js';
import { createWebMetrics } from './web-metrics.js';
import { LbCachePurger } from './cache/lb-cache-purger.js';

declare module 'fastify' {
  interface FastifyInstance {
    web: WebContext;
  }
  interface FastifyRequest {
    shopSession: RequestSession;
  }
}

export interface WebContextOptions {
  logger?: Logger;
  registry?: Registry;
}

/** Builds the replica's clients (database pools, memcached ring, session client) and services from `config`. Nothing connects yet. */
export function createWebContext(config: WebConfig, options: WebContextOptions = {}): WebContext {
  const logger = options.logger ?? createLogger({ service: 'web', instance: config.instance, level: config.logLevel });
  const registry = options.registry ?? createRegistry();
  const metrics = createWebMetrics(registry);
  const db = new Database({
    hosts: config.db.hosts,
    user: config.db.user,
    password: config.db.password,
    database: config.db.database,
    poolSize: config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeout,
    queryTimeoutMs: config.dbQueryTimeout,
    retryAfterMs: config.dbRetryAfter,
    metrics,
    logger: logger.child({ component: 'db' }),
  });
  const ringMetrics = createRingMetrics({ registry, service: 'web' });
  const ring = new MemcacheRing({
    nodes: config.memcachedNodes,
    replicas: config.memcachedReplicas,
    timeoutMs: config.memcachedTimeout,
    keyPrefix: config.cacheKeyPrefix,
    observer: ringMetrics.observer,
  });
  ringMetrics.bind(ring);
  const cache = new ReadThroughCache(ring, {
    ttlSeconds: Math.round(config.cacheTtl / 1000),
    enabled: config.cacheEnabled,
    metrics,
    logger: logger.child({ component: 'cache' }),
  });
  const limiter = new LoginRateLimiter(ring, {
    windowMs: config.loginWindow,
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    maxFailuresPerIp: config.loginMaxFailuresPerIp,
    metrics,
    logger,
  });
  const sessions = new SessionClient({ urls: config.sessionUrls, timeoutMs: config.sessionTimeout, retryAfterMs: config.sessionRetryAfter, metrics });
  const readiness = new Readiness();
  readiness.register('database', () => db.ping(), { timeoutMs: config.dbConnectTimeout + 500 });
  readiness.register('sessions', () => sessions.ping(), { timeoutMs: config.sessionTimeout * 2 + 500 });
  // The cache fails open (reads go to the database), so it is reported but does not gate readiness.
  readiness.register(
    'cache',
    async () => {
      try {
        await ring.get('readyz');
      } catch (err) {
        if (isMemcacheError(err, 'MEMCACHE_ERR_UNAVAILABLE')) throw new Error('no memcached node answered');
        throw err;
      }
    },
    { timeoutMs: config.memcachedTimeout * 3 + 500, critical: false },
  );
  return {
    config,
    logger,
    registry,
    metrics,
    readiness,
    db,
    ring,
    cache,
    sessions,
    shop: new Shop({
      db,
      cache,
      limiter,
      metrics,
      logger,
      purger: new LbCachePurger({ urls: config.lbAdminUrls, token: config.lbAdminToken ?? config.adminToken, timeoutMs: config.lbBanTimeout, metrics, logger }),
    }),
    signer: createSigner(config.cookieSecret),
    csrf: new CsrfTokens(config.cookieSecret),
  };
}

/**
 * Applies the migrations and, when enabled, the first-start seed (under the migration lock). While
 * the database is unreachable it retries every second, up to `WEB_STARTUP_TIMEOUT`.
 */
export async function prepareDatabase(ctx: WebContext): Promise<void> {
  const { config, logger } = ctx;
  if (!config.migrate) return;
  const deadline = Date.now() + config.startupTimeout;
  for (;;) {
    try {
      await migrateOnce(ctx);
      return;
    } catch (err) {
      if (!(err instanceof DbUnavailableError) || Date.now() >= deadline) throw err;
      logger.warn({ err: err.message }, 'database not reachable yet; retrying the migrations');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function migrateOnce(ctx: WebContext): Promise<void> {
  const { config, logger } = ctx;
  await runMigrations(ctx.db, {
    lockTimeoutMs: config.migrationLockTimeout,
    logger,
    afterMigrations: config.seed
      ? async (run) => {
          await seedDatabase(run, { products: config.seedProducts, users: config.seedUsers, logger });
        }
      : undefined,
  });
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The web replica as a Fastify instance (use `inject` in tests, `listen` in server.ts). Owns `ctx`:
 * closing the app closes the database pools, the ring client and the session client.
 */
export async function buildApp(ctx: WebContext): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    ...fastifyLogging(ctx.logger),
    trustProxy: config.trustedProxies,
    bodyLimit: 64 * 1024,
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 100, ignoreTrailingSlash: true },
  });
  app.decorate('web', ctx);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const sessionDeps = { client: ctx.sessions, signer: ctx.signer, csrf: ctx.csrf, cookieName: config.cookieName, touchWithinMs: config.sessionTouchWithin, metrics: ctx.metrics };
  app.decorateRequest('shopSession', null as unknown as RequestSession);
  app.addHook('onRequest', async (request, reply) => {
    request.shopSession = new RequestSession(sessionDeps, request, reply);
  });
  servedBy(app, config.instance);
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'same-origin');
    }
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  await app.register(metricsPlugin, { registry: ctx.registry, service: 'web' });
  await app.register(healthRoutes, { readiness: ctx.readiness, service: 'web', instance: config.instance });
  await app.register(errorHandling, { ctx });
  await app.register(shopPages, { ctx });
  await app.register(apiRoutes, { ctx, prefix: '/api' });

  app.addHook('onClose', async () => {
    ctx.cache.close();
    ctx.sessions.close();
    await Promise.all([ctx.db.close(), ctx.ring.close()]);
  });
  return app;
}
