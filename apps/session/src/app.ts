import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { MemcacheRing, createRingMetrics } from '@scaleout/memcache';
import { createRegistry, metricsPlugin, type Registry } from '@scaleout/metrics';
import { Readiness, healthRoutes, installErrorHandler, servedBy, type Logger } from '@scaleout/service';
import { DEV_DB_PASSWORD, type SessionConfig } from './config.js';
import { MariadbSessionStore } from './mariadb-session-store.js';
import { SessionError } from './errors.js';
import { SessionMetrics } from './session-metrics.js';
import sessionRoutes, { errorSchema } from './session-routes.js';
import { SessionStore } from './session-store.js';

export interface SessionAppDeps {
  logger?: Logger;
  registry?: Registry;
  now?: () => number;
}

/** What the app exposes besides HTTP (for `server.ts`, tests and the stack). */
export interface SessionService {
  ring: MemcacheRing;
  store: SessionStore;
  readiness: Readiness;
  durable?: MariadbSessionStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionService: SessionService;
  }
}

/**
 * Builds the session service from its configuration: the memcached ring, the optional durable tier,
 * the Fastify app with the session API, `/healthz`, `/readyz`, `/metrics` and `GET /v1/ring`.
 * Resources are released by `app.close()`.
 */
export async function buildSessionApp(config: SessionConfig, deps: SessionAppDeps = {}): Promise<FastifyInstance> {
  const registry = deps.registry ?? createRegistry();
  const logger = deps.logger;
  const ringMetrics = createRingMetrics({ registry, service: 'session' });
  const ring = new MemcacheRing({
    nodes: config.memcached.map((hp) => (hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`)),
    replicas: config.replicas,
    timeoutMs: config.memcachedTimeout,
    connectTimeoutMs: config.memcachedConnectTimeout,
    failuresUntilTko: config.tkoFailures,
    probeInitialMs: config.probeInitial,
    probeMaxMs: Math.max(config.probeMax, config.probeInitial),
    healthIntervalMs: config.healthInterval,
    warmupMs: config.warmup,
    repairQueueSize: config.repairQueueSize,
    keyPrefix: config.keyPrefix,
    maxValueBytes: config.maxDataBytes + 4096,
    now: deps.now,
    observer: {
      ...ringMetrics.observer,
      nodeState(node, state, reason) {
        ringMetrics.observer.nodeState?.(node, state, reason);
        logger?.warn({ node, state, reason }, `memcached node ${node} is ${state === 'up' ? 'up' : 'down (TKO)'}`);
      },
      warming(node, reason) {
        logger?.info({ node, reason }, `memcached node ${node} is warming up (${reason})`);
      },
    },
  });
  ringMetrics.bind(ring);

  const metrics = new SessionMetrics(registry);
  let durable: MariadbSessionStore | undefined;
  if (config.durable) {
    durable = new MariadbSessionStore({
      host: config.dbAddress.host,
      port: config.dbAddress.port,
      user: config.dbUser,
      password: config.dbPassword ?? DEV_DB_PASSWORD,
      database: config.dbName,
      timeoutMs: config.dbTimeout,
      poolSize: config.dbPoolSize,
    });
  }
  const store = new SessionStore({
    ring,
    durable,
    idleTtlMs: config.idleTtl,
    absoluteTtlMs: config.absoluteTtl,
    maxDataBytes: config.maxDataBytes,
    metrics,
    logger,
    now: deps.now,
  });

  const readiness = new Readiness();
  readiness.register('memcached', () => {
    const up = ring.upCount;
    if (up < 1) throw new Error(`no memcached node is up (0 of ${ring.nodes.length})`);
    return true;
  });
  const timers: NodeJS.Timeout[] = [];
  if (durable) {
    const db = durable;
    // Reported, not gating: with MariaDB down, reads are still served from memcached.
    readiness.register('mariadb', () => db.ping(), { critical: false, timeoutMs: config.dbTimeout });
    let ready = false;
    const init = async () => {
      try {
        await db.init();
        ready = true;
      } catch (err) {
        logger?.error({ err }, 'durable tier: could not create the sessions table; retrying');
      }
    };
    await init();
    const retry = setInterval(() => {
      if (!ready) void init();
    }, 5_000);
    retry.unref();
    timers.push(retry);
    if (config.dbSweepInterval > 0) {
      const sweep = setInterval(() => {
        if (ready) db.sweep(Date.now()).catch((err: unknown) => logger?.warn({ err }, 'durable tier: sweep failed'));
      }, config.dbSweepInterval);
      sweep.unref();
      timers.push(sweep);
    }
  }
  await ring.checkNow();

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.maxDataBytes * 2 + 1024,
    return503OnClosing: true,
    // Unknown body fields are an error, not silently dropped (`{"cart":…}` without `data` must not create an empty session).
    ajv: { customOptions: { removeAdditional: false } },
    // Router-level failures (bad percent-encoding, a path parameter over maxParamLength) get our error
    // shape too: a huge id is just a malformed id, i.e. 404.
    frameworkErrors: (err, _request, res) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const reply = res as unknown as FastifyReply;
      reply
        .code(tooLong ? 404 : 400)
        .header('x-served-by', config.instance)
        .send({
          error: tooLong
            ? { code: 'SESSION_ERR_NOT_FOUND', message: 'no such session (unknown, expired, deleted or malformed id)' }
            : { code: 'SESSION_ERR_BAD_REQUEST', message: 'malformed URL' },
        });
    },
  });
  app.decorate('sessionService', { ring, store, readiness, durable });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415

  servedBy(app, config.instance);
  // 5xx answers never carry internals: a coded error's message is its own, without its cause.
  installErrorHandler(app, {
    prefix: 'SESSION',
    errorClass: SessionError,
    body: 'nested',
    badRequestAs400: true,
    describe: (err) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return { status: 413, code: 'SESSION_ERR_TOO_LARGE', message: `request body over the limit of ${config.maxDataBytes * 2 + 1024} bytes` };
      }
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'SESSION_ERR_BAD_MEDIA_TYPE', message: 'send JSON (Content-Type: application/json)' };
      return undefined;
    },
    onReply: (reply) => {
      reply.header('cache-control', 'no-store');
    },
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: { code: 'SESSION_ERR_NO_ROUTE', message: 'no such route' } });
  });

  await app.register(metricsPlugin, { registry, service: 'session' });
  await app.register(healthRoutes, { readiness, service: 'session', instance: config.instance });
  await app.register(sessionRoutes, { store, metrics });
  app.get(
    '/v1/ring',
    {
      logLevel: 'warn',
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              replicas: { type: 'integer' },
              repairQueueLength: { type: 'integer' },
              durable: { type: 'boolean' },
              nodes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    address: { type: 'string' },
                    state: { type: 'string' },
                    warming: { type: 'boolean' },
                    consecutiveFailures: { type: 'integer' },
                    tkoCount: { type: 'integer' },
                    queuedRepairs: { type: 'integer' },
                    since: { type: 'string' },
                    lastError: { type: 'string' },
                  },
                },
              },
            },
          },
          500: errorSchema,
        },
      },
    },
    async () => ({
      replicas: ring.replicas,
      repairQueueLength: ring.repairQueueLength,
      durable: durable !== undefined,
      nodes: ring.status().map((s) => ({ ...s, since: new Date(s.since).toISOString() })),
    }),
  );

  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    await ring.close();
    await durable?.close();
  });
  return app;
}
