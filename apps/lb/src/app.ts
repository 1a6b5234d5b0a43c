import net from 'node:net';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { createRegistry, type Registry } from '@scaleout/metrics';
import { buildAdminApp, Readiness, servedBy, type Logger } from '@scaleout/service';
import adminRoutes from './admin-routes.js';
import type { AdminTarget, PoolView, ServerView } from './admin-types.js';
import { backgroundRefresher } from './cache/background-refresh.js';
import { PageCache } from './cache/page-cache.js';
import type { AdminState, BackendServer, ServerSpec } from './backend-server.js';
import { poolConfigs, statusMatcher, type LbConfig, type PoolConfig } from './config.js';
import { DnsDiscovery } from './dns-discovery.js';
import { LbError } from './errors.js';
import { LbMetrics } from './lb-metrics.js';
import { Pool } from './pool.js';
import { ProxyEngine } from './proxy-engine.js';
import type { ProxySettings } from './proxy-types.js';
import { parseRoutes, Router } from './router.js';
import { selfSignedCert } from './self-signed-cert.js';
import { StateStore } from './state-store.js';
import { StickyCookie } from './sticky-cookie.js';
import { TrustedProxies } from './trusted-proxies.js';

export interface LbDeps {
  logger: Logger;
  /** Admin API bearer token (SCALEOUT_ADMIN_TOKEN). */
  adminToken: string;
  /** Environment for per-pool variables (LB_POOL_<NAME>_*). Default process.env. */
  env?: Record<string, string | undefined>;
  registry?: Registry;
}

/** Addresses actually bound by {@link LoadBalancer.listen}. */
export interface LbAddresses {
  http: number;
  https: number | null;
  admin: number;
}

/**
 * The load balancer: pools, data plane, health, discovery, admin API. Build with
 * {@link createLoadBalancer}, then `listen()`; `close()` drains gracefully.
 */
export class LoadBalancer implements AdminTarget {
  readonly config: LbConfig;
  readonly logger: Logger;
  readonly pools = new Map<string, Pool>();
  readonly registry: Registry;
  readonly readiness = new Readiness();
  readonly engine: ProxyEngine;
  readonly admin: FastifyInstance;
  readonly state: StateStore;
  readonly discoveries = new Map<string, DnsDiscovery>();
  readonly poolConfigs: PoolConfig[];
  #http: net.Server | null = null;
  #https: tls.Server | null = null;
  #tls: { cert: string | Buffer; key: string | Buffer } | null = null;
  addresses: LbAddresses = { http: 0, https: null, admin: 0 };
  /** The page cache, when a pool caches (LB_CACHE). */
  readonly cache: PageCache | null = null;
  #refresher: { close(): void } | null = null;

  constructor(config: LbConfig, deps: LbDeps) {
    this.config = config;
    this.logger = deps.logger;
    this.registry = deps.registry ?? createRegistry();
    this.state = new StateStore(config.stateFile);
    this.poolConfigs = poolConfigs(config, deps.env ?? process.env);
    const c = config;
    for (const pc of this.poolConfigs) {
      const pool = new Pool({
        name: pc.name,
        algorithm: pc.algorithm,
        hashKey: pc.hashKey,
        slowStartMs: c.slowStart,
        failOpen: c.failOpen,
        queueSize: c.queueSize,
        queueTimeoutMs: c.queueTimeout,
        health: {
          path: pc.checkPath,
          expect: statusMatcher(c.checkStatus),
          intervalMs: c.checkInterval,
          fastIntervalMs: c.checkFastInterval,
          downIntervalMs: c.checkDownInterval,
          timeoutMs: c.checkTimeout,
          rise: c.checkRise,
          fall: c.checkFall,
          host: c.checkHost,
        },
        passive: { consecutiveFailures: c.ejectConsecutive, baseEjectionMs: c.ejectTime, maxEjectionPercent: c.ejectMaxPercent },
        cookieSecret: c.cookieSecret,
        logger: this.logger,
      });
      this.pools.set(pc.name, pool);
      const saved = this.state.pool(pc.name);
      for (const spec of pc.servers) if (!saved.removed.includes(spec.name)) pool.addServer(spec, 'static');
      for (const spec of saved.added) {
        if (pool.get(spec.name) === undefined) {
          try {
            pool.addServer(spec, 'admin');
          } catch (err) {
            this.logger.warn({ err, pool: pc.name, server: spec.name }, 'saved server not restored');
          }
        }
      }
      for (const s of pool.servers) this.#applySaved(pool, s);
    }
    const metrics = new LbMetrics(this.registry, () => this.pools.values(), () => this.engine.connections.size);
    for (const pool of this.pools.values()) this.#watch(pool, metrics);
    const trusted = new TrustedProxies(c.trustedProxies);
    const router = new Router(
      parseRoutes(c.routes, (n) => this.pools.get(n)),
      this.pools.get(c.defaultPool)!,
    );
    const sticky = c.sticky
      ? new StickyCookie({
          name: c.cookieName,
          secrets: [c.cookieSecret, ...c.cookieSecretsOld],
          sameSite: c.cookieSameSite,
          httpOnly: true,
          maxAgeSeconds: Math.floor(c.cookieMaxAge / 1000),
          moveDraining: c.stickyMoveDraining,
        })
      : null;
    const settings: ProxySettings = {
      instance: c.instance,
      limits: { maxHeaderBytes: c.maxHeaderBytes, maxHeaders: c.maxHeaders, maxUrlBytes: c.maxUrlBytes },
      maxBodyBytes: c.maxBodyBytes,
      maxResponseHeadBytes: Math.max(c.maxHeaderBytes, 65536),
      headerTimeoutMs: c.headerTimeout,
      keepAliveTimeoutMs: c.keepAliveTimeout,
      clientTimeoutMs: c.clientTimeout,
      serverTimeoutMs: c.serverTimeout,
      tunnelTimeoutMs: c.tunnelTimeout,
      connectTimeoutMs: c.connectTimeout,
      backendIdleTimeoutMs: c.backendIdleTimeout,
      backendMaxIdle: c.backendMaxIdle,
      retries: c.retries,
      retryTimeoutMs: c.retryTimeout,
      retryBufferBytes: c.retryBuffer,
      queueTimeoutMs: c.queueTimeout,
      via: c.via,
      httpsRedirectPort: null,
      stickySourceFallback: c.stickyFallback === 'source',
    };
    const cachedPools = new Map<string, string[]>();
    for (const pc of this.poolConfigs) if (pc.cachePaths !== null) cachedPools.set(pc.name, pc.cachePaths);
    if (cachedPools.size > 0) {
      this.cache = new PageCache(
        {
          pools: cachedPools,
          maxBytes: c.cacheMaxBytes,
          maxObjectBytes: c.cacheMaxObjectBytes,
          maxVariants: c.cacheMaxVariants,
          defaultTtlMs: c.cacheDefaultTtl,
          graceMs: c.cacheGrace,
          keepMs: c.cacheKeep,
          waitTimeoutMs: c.cacheWaitTimeout,
          hitForMissMs: c.cacheHitForMiss,
          bypassCookies: c.cacheBypassCookies,
        },
        this.registry,
        this.logger,
        deps.adminToken,
      );
      const refresher = backgroundRefresher(this.cache, { serverTimeoutMs: c.serverTimeout, via: c.via ? c.instance : null });
      this.cache.refresher = refresher.refresh;
      this.#refresher = refresher;
    }
    this.engine = new ProxyEngine(settings, router, this.pools, sticky, trusted, metrics, this.logger, this.cache);
    this.readiness.register('servers', () => {
      const pool = this.pools.get(c.defaultPool)!;
      if (!pool.anyUp) throw new Error(`no server up in pool ${pool.name}`);
      return true;
    });
    this.admin = buildAdminApp({ service: 'lb', instance: c.instance, logger: this.logger, registry: this.registry, readiness: this.readiness });
    servedBy(this.admin, c.instance);
    this.admin.register(adminRoutes, { lb: this, token: deps.adminToken });
  }

  #watch(pool: Pool, metrics: LbMetrics): void {
    pool.listeners.push((e) => {
      const labels = { pool: pool.name, server: e.server.name };
      switch (e.type) {
        case 'health':
          metrics.transitions.labels({ ...labels, to: e.up ? 'up' : 'down' }).inc();
          this.logger.warn({ ...labels, up: e.up, reason: e.reason }, e.up ? 'server up' : 'server down');
          break;
        case 'eject':
          metrics.transitions.labels({ ...labels, to: 'ejected' }).inc();
          this.logger.warn({ ...labels, until: new Date(e.until).toISOString() }, 'server ejected (passive)');
          break;
        case 'uneject':
          metrics.transitions.labels({ ...labels, to: 'unejected' }).inc();
          this.logger.info(labels, 'server back from ejection');
          break;
        case 'removed':
          metrics.forget(e.server);
          break;
        default:
          break;
      }
    });
  }

  #applySaved(pool: Pool, server: BackendServer): void {
    const o = this.state.pool(pool.name).servers[server.name];
    if (!o) return;
    if (o.weight !== undefined) pool.setWeight(server, o.weight);
    if (o.state !== undefined) pool.setAdminState(server, o.state);
  }

  /** Bind the listeners and start checks and discovery. */
  async listen(): Promise<LbAddresses> {
    const c = this.config;
    for (const pool of this.pools.values()) pool.start();
    for (const pc of this.poolConfigs) {
      if (!pc.discover) continue;
      const pool = this.pools.get(pc.name)!;
      const saved = this.state.pool(pc.name);
      const d = new DnsDiscovery(pool, {
        name: pc.discover.name,
        port: pc.discover.port,
        resolver: c.resolver,
        intervalMs: c.dnsInterval,
        timeoutMs: c.dnsTimeout,
        holdNxMs: c.dnsHoldNx,
        holdErrorMs: c.dnsHoldError,
        logger: this.logger,
        isRemoved: (n) => saved.removed.includes(n),
        onAdded: (n) => this.#applySaved(pool, pool.get(n)!),
      });
      this.discoveries.set(pc.name, d);
      await d.start();
    }
    const http = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.engine.handle(s, 'http'));
    this.#http = http;
    await listenOn(http, c.host, c.httpPort);
    this.addresses.http = (http.address() as net.AddressInfo).port;
    if (c.https) {
      this.#tls = this.#loadTls();
      const https = tls.createServer({ ...this.#tls, allowHalfOpen: true, noDelay: true }, (s) => this.engine.handle(s, 'https'));
      https.on('tlsClientError', (err) => this.logger.debug({ err: err.message }, 'TLS handshake failed'));
      this.#https = https;
      await listenOn(https, c.host, c.httpsPort);
      this.addresses.https = (https.address() as net.AddressInfo).port;
      if (c.httpsRedirect) this.engine.settings.httpsRedirectPort = c.httpsRedirectPort || this.addresses.https;
    }
    await this.admin.listen({ host: c.adminHost, port: c.adminPort });
    this.addresses.admin = (this.admin.server.address() as net.AddressInfo).port;
    this.logger.info(
      { http: `${c.host}:${this.addresses.http}`, https: this.addresses.https ? `${c.host}:${this.addresses.https}` : null, admin: `${c.adminHost}:${this.addresses.admin}`, pools: [...this.pools.keys()] },
      'load balancer listening',
    );
    return this.addresses;
  }

  #loadTls(): { cert: string | Buffer; key: string | Buffer } {
    const c = this.config;
    if (c.tlsCert && c.tlsKey) {
      try {
        return { cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey) };
      } catch (err) {
        throw new LbError('LB_ERR_TLS', `cannot read LB_TLS_CERT/LB_TLS_KEY: ${(err as Error).message}`, { cause: err });
      }
    }
    if (c.tlsCert || c.tlsKey) throw new LbError('LB_ERR_TLS', 'set both LB_TLS_CERT and LB_TLS_KEY, or neither');
    const names = ['localhost', 'scaleout.test', '*.scaleout.test', '127.0.0.1', '::1'];
    if (net.isIP(c.host) && !names.includes(c.host)) names.push(c.host);
    this.logger.info({ names }, 'no LB_TLS_CERT/LB_TLS_KEY: using a generated self-signed development certificate');
    return selfSignedCert(names);
  }

  /** Graceful stop: stop accepting, answer in-flight requests with Connection: close, then close. */
  async close(graceMs = this.config.grace): Promise<void> {
    this.readiness.setDraining(true);
    for (const d of this.discoveries.values()) d.stop();
    const closing = [this.#http, this.#https].filter((s): s is net.Server => s !== null).map((s) => new Promise<void>((r) => s.close(() => r())));
    await this.engine.shutdown(Math.max(0, graceMs - 500));
    await Promise.all(closing);
    this.#refresher?.close();
    await this.admin.close();
  }

  // ---- admin operations ---------------------------------------------------------------------------

  pool(name: string): Pool {
    const p = this.pools.get(name);
    if (!p) throw new LbError('LB_ERR_NOT_FOUND', `no pool named ${name}`);
    return p;
  }

  server(poolName: string, name: string): { pool: Pool; server: BackendServer } {
    const pool = this.pool(poolName);
    const server = pool.get(name);
    if (!server) throw new LbError('LB_ERR_NOT_FOUND', `no server named ${name} in pool ${poolName}`);
    return { pool, server };
  }

  viewPool(pool: Pool): PoolView {
    const d = this.discoveries.get(pool.name);
    const pc = this.poolConfigs.find((p) => p.name === pool.name)!;
    return {
      name: pool.name,
      algorithm: pool.balancer.algorithm,
      discovery: pc.discover ? { ...pc.discover, lastError: d?.lastError ?? null } : null,
      queue: pool.queue.length,
      redispatches: pool.redispatches,
      serversUp: pool.servers.filter((s) => s.stickable).length,
      servers: pool.servers.map((s) => this.viewServer(pool, s)),
    };
  }

  viewServer(pool: Pool, s: BackendServer): ServerView {
    const k = s.counters;
    const check = pool.checkSnapshot(s.name);
    const v: ServerView = {
      name: s.name,
      address: s.address,
      source: s.source,
      state: s.state,
      adminState: s.adminState,
      healthy: s.healthy,
      ejected: s.ejected,
      weight: s.weight,
      maxconn: s.maxconn,
      inflight: s.inflight,
      idleConnections: s.idle.length,
      requests: k.requests,
      responses: { '1xx': k.responses[0], '2xx': k.responses[1], '3xx': k.responses[2], '4xx': k.responses[3], '5xx': k.responses[4] },
      connectionErrors: k.connectionErrors,
      retries: k.retries,
      transitions: k.transitions,
      bytesIn: k.bytesIn,
      bytesOut: k.bytesOut,
      lastTransitionAt: new Date(s.lastTransitionAt).toISOString(),
    };
    if (check) v.check = { state: check.state, checks: check.checks, failures: check.failures, lastError: check.lastError ?? null };
    return v;
  }

  setState(poolName: string, name: string, state: AdminState): ServerView {
    const { pool, server } = this.server(poolName, name);
    pool.setAdminState(server, state);
    const saved = this.state.pool(pool.name);
    (saved.servers[name] ??= {}).state = state;
    this.state.save();
    this.logger.info({ pool: pool.name, server: name, state }, 'server state set');
    return this.viewServer(pool, server);
  }

  setWeight(poolName: string, name: string, weight: number): ServerView {
    const { pool, server } = this.server(poolName, name);
    pool.setWeight(server, weight);
    const saved = this.state.pool(pool.name);
    (saved.servers[name] ??= {}).weight = weight;
    this.state.save();
    this.logger.info({ pool: pool.name, server: name, weight }, 'server weight set');
    return this.viewServer(pool, server);
  }

  addServer(poolName: string, spec: ServerSpec, state: AdminState = 'ready'): ServerView {
    const pool = this.pool(poolName);
    const server = pool.addServer(spec, 'admin', { slowStart: true, adminState: state });
    const saved = this.state.pool(pool.name);
    saved.added = saved.added.filter((s) => s.name !== spec.name).concat([spec]);
    saved.removed = saved.removed.filter((n) => n !== spec.name);
    if (state !== 'ready') (saved.servers[spec.name] ??= {}).state = state;
    this.state.save();
    this.logger.info({ pool: pool.name, server: spec.name, address: server.address }, 'server added');
    return this.viewServer(pool, server);
  }

  removeServer(poolName: string, name: string): void {
    const { pool, server } = this.server(poolName, name);
    pool.removeServer(name);
    const saved = this.state.pool(pool.name);
    if (server.source === 'admin') saved.added = saved.added.filter((s) => s.name !== name);
    else if (!saved.removed.includes(name)) saved.removed.push(name);
    delete saved.servers[name];
    this.state.save();
    this.logger.info({ pool: pool.name, server: name }, 'server removed');
  }
}

function listenOn(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Build a load balancer from its configuration (see config.ts). Call `listen()` to start it. */
export function createLoadBalancer(config: LbConfig, deps: LbDeps): LoadBalancer {
  return new LoadBalancer(config, deps);
}
