import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { ReplicationController, type ControlAction, type SwitchoverResult } from '@scaleout/replication';
import { Readiness, type Logger } from '@scaleout/service';
import { createRegistry, type Registry } from '@scaleout/metrics';
import { profileOf, type ServerOffer } from './backend/backend-connection.js';
import { BackendPool } from './backend/backend-pool.js';
import { probeGreeting } from './backend/greeting-probe.js';
import { PeerUnreachableError } from './errors.js';
import { Cap, ErrCode, RELAYABLE_MARIADB_CAPABILITIES } from './protocol/constants.js';
import { errPayload, framePackets } from './protocol/packets.js';
import { ProxyMetrics } from './proxy-metrics.js';
import type { CacheRule } from './result-cache/cache-rules.js';
import { createResultCache } from './result-cache/create-result-cache.js';
import type { ResultCache } from './result-cache/result-cache.js';
import { Cluster, type CausalMode } from './routing/cluster.js';
import { ClientSession } from './session/client-session.js';
import type { KillResult, ProxyContext } from './session/proxy-context.js';
import { parseUsers, UserStore } from './session/user-store.js';

export interface DbProxyOptions {
  instance: string;
  host: string;
  port: number;
  backends: { name: string; host: string; port: number }[];
  users: string;
  backendUser: string;
  backendPassword: string;
  monitorUser: string;
  monitorPassword: string;
  replUser: string;
  replPassword: string;
  monitorInterval: number;
  monitorTimeout: number;
  monitorRise: number;
  monitorFall: number;
  failover: 'auto' | 'manual';
  applyTimeout: number;
  maxLag: number;
  writerReadWeight: number;
  readerWeight: number;
  causalReads: CausalMode;
  causalTimeout: number;
  writerWait: number;
  sessionHistory: number;
  maxPacket: number;
  maxClients: number;
  maxBackendConnections: number;
  poolMaxIdle: number;
  poolIdleTimeout: number;
  backendConnectTimeout: number;
  backendAcquireTimeout: number;
  handshakeTimeout: number;
  switchoverDrain: number;
  serverVersion?: string;
  /** Connection ids are `idBlock × 2^24 + n`: each proxy of a pair has its own block. */
  idBlock: number;
  /** `block=adminBaseUrl` of the peer proxies (KILL of their connection ids is forwarded there). */
  peers: string[];
  /** Bearer token for the peers' admin API (the same SCALEOUT_ADMIN_TOKEN on every proxy). */
  adminToken?: string;
  /** Result cache rules (empty: off) and bounds; see result-cache/. */
  resultCacheRules?: CacheRule[];
  resultCacheMaxBytes?: number;
  resultCacheMaxEntryBytes?: number;
  /** Send invalidations to DBPROXY_PEERS (default true). */
  resultCachePeerInvalidation?: boolean;
}

/** Ids per proxy block: 2^24 - 1 (0 is never used). */
const ID_SPAN = 1 << 24;
/** Profile of the proxy's own KILL connections (plain protocol, utf8mb4). */
const CONTROL_PROFILE = profileOf(0, 45);

export function idBlockOf(id: number): number {
  return Math.floor(id / ID_SPAN);
}

export interface DbProxyDeps {
  logger: Logger;
  registry?: Registry;
  readiness?: Readiness;
  tls?: SecureContext;
}

/**
 * The proxy: a TCP listener speaking the MySQL protocol to clients, a backend pool, the replication
 * controller (monitor, writer agreement, failover) and the routing view over it.
 */
export class DbProxy {
  readonly options: DbProxyOptions;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly metrics: ProxyMetrics;
  /** Undefined when no DBPROXY_RESULT_CACHE_RULES are configured. */
  readonly resultCache: ResultCache | undefined;
  readonly controller: ReplicationController;
  readonly cluster: Cluster;
  readonly pool: BackendPool;
  readonly sessions = new Set<ClientSession>();
  readonly #byId = new Map<number, ClientSession>();
  readonly #offers = new Map<string, ServerOffer>();
  readonly #peers = new Map<number, string>();
  readonly #server: Server;
  readonly #ctx: ProxyContext;
  #nextId = 1;
  #lastWriter: string | undefined;
  #down = new Set<string>();
  #closing = false;

  constructor(options: DbProxyOptions, deps: DbProxyDeps) {
    this.options = options;
    this.logger = deps.logger;
    this.registry = deps.registry ?? createRegistry({ defaultMetrics: false });
    this.readiness = deps.readiness ?? new Readiness();
    this.metrics = new ProxyMetrics(this.registry);
    const log = this.logger.child({ component: 'replication' });
    this.controller = new ReplicationController({
      servers: options.backends.map((b) => ({ ...b, user: options.monitorUser, password: options.monitorPassword })),
      intervalMs: options.monitorInterval,
      timeoutMs: options.monitorTimeout,
      rise: options.monitorRise,
      fall: options.monitorFall,
      autoFailover: options.failover === 'auto',
      applyTimeoutMs: options.applyTimeout,
      repl: { user: options.replUser, password: options.replPassword },
      logger: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
    });
    this.cluster = new Cluster({
      controller: this.controller,
      maxLagSeconds: options.maxLag / 1000,
      writerReadWeight: options.writerReadWeight,
      readerWeight: options.readerWeight,
      causal: options.causalReads,
    });
    this.pool = new BackendPool({
      servers: options.backends,
      credentials: { user: options.backendUser, password: options.backendPassword },
      connectTimeoutMs: options.backendConnectTimeout,
      maxPerServer: options.maxBackendConnections,
      maxIdlePerServer: options.poolMaxIdle,
      idleTimeoutMs: options.poolIdleTimeout,
      acquireTimeoutMs: options.backendAcquireTimeout,
      onConnect: (server, ok) => this.metrics.backendConnects.inc({ server, result: ok ? 'ok' : 'error' }),
      onGreeting: (server, offer) => this.#offers.set(server, offer),
    });
    for (const p of options.peers) {
      const i = p.indexOf('=');
      this.#peers.set(Number(p.slice(0, i)), p.slice(i + 1).replace(/\/+$/, ''));
    }
    this.metrics.registerCollectors(this.registry, this.pool, this.cluster);
    this.resultCache = createResultCache(options, this.registry, this.logger);
    this.#ctx = {
      resultCache: this.resultCache,
      pool: this.pool,
      cluster: this.cluster,
      users: new UserStore(parseUsers(options.users)),
      metrics: this.metrics,
      logger: this.logger,
      tls: deps.tls,
      maxPacket: options.maxPacket,
      writerWaitMs: options.writerWait,
      causalTimeoutMs: options.causalTimeout,
      historyMax: options.sessionHistory,
      handshakeTimeoutMs: options.handshakeTimeout,
      serverVersion: () => this.#serverVersion(),
      nextConnectionId: () => this.#allocateId(),
      extCapabilities: () => this.extCapabilities(),
      kill: (id, query, user) => this.kill(id, query, user),
      killBackend: (server, backendId, query, still) => this.#killBackend(server, backendId, query, still),
    };
    this.controller.on('writer', (w) => this.#onWriter(w));
    this.controller.on('round', (views) => {
      for (const v of views) {
        if (v.health === 'down' && !this.#down.has(v.name)) {
          this.#down.add(v.name);
          // queries hanging on a dead or frozen server get an error now instead of never
          this.pool.closeServer(v.name, true);
        } else if (v.health === 'up') this.#down.delete(v.name);
      }
    });
    this.controller.on('action', (a: ControlAction) => this.metrics.controlActions.inc({ kind: a.kind, result: a.ok ? 'ok' : 'error' }));
    this.readiness.register('backends', () => {
      if (!this.controller.views().some((v) => v.health === 'up')) throw new Error('no healthy backend');
    });
    this.readiness.register('writer', () => {
      if (!this.controller.writer) throw new Error('no writer');
    }, { critical: false });
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  /** Starts monitoring (first round done) and listening. */
  async start(): Promise<{ host: string; port: number }> {
    await this.controller.start();
    // the first greeting must already offer what the backends offer
    await Promise.all(
      this.options.backends.map((b) =>
        probeGreeting(b, this.options.backendConnectTimeout).then(
          (offer) => this.#offers.set(b.name, offer),
          (err: unknown) => this.logger.warn({ backend: b.name, err }, 'cannot read the greeting of a backend'),
        ),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.options.host, port: this.options.port, backlog: 1024 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const addr = this.#server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.options.port;
    this.logger.info({ host: this.options.host, port, writer: this.controller.writer ?? null }, 'db-proxy listening');
    return { host: this.options.host, port };
  }

  get port(): number {
    const addr = this.#server.address();
    return typeof addr === 'object' && addr ? addr.port : this.options.port;
  }

  /**
   * Manual switchover with zero lost writes: once the control lock is held, this proxy holds new writes
   * and waits (up to DBPROXY_SWITCHOVER_DRAIN) for its open transactions and in-flight writes on the
   * writer; then the writer is fenced, the target catches up and is promoted, and held writes go on.
   */
  async switchover(to?: string): Promise<SwitchoverResult> {
    let release: (() => void) | undefined;
    try {
      return await this.controller.switchover({
        to,
        beforeFence: async () => {
          release = this.cluster.holdWrites();
          await this.#drain(this.controller.writer, this.options.switchoverDrain);
        },
      });
    } finally {
      release?.();
    }
  }

  /**
   * MariaDB extended capabilities the proxy offers: the intersection of what every backend whose greeting
   * is known offers (a MySQL server, with CLIENT_MYSQL set, offers none), limited to what can be relayed.
   */
  extCapabilities(): number {
    let ext = RELAYABLE_MARIADB_CAPABILITIES;
    let known = 0;
    for (const b of this.options.backends) {
      const o = this.#offers.get(b.name);
      if (!o) continue;
      known++;
      ext &= o.capabilities & Cap.LONG_PASSWORD ? 0 : o.extCapabilities;
    }
    return known > 0 ? ext >>> 0 : 0;
  }

  /** `KILL [QUERY] <id>` on behalf of a client of `user` (also what the admin API runs for a peer). */
  async kill(id: number, query: boolean, user: string): Promise<KillResult> {
    const local = this.#byId.get(id);
    if (local) return local.kill(query, user);
    const block = idBlockOf(id);
    const peer = block === this.options.idBlock ? undefined : this.#peers.get(block);
    if (!peer) return 'unknown';
    let res: Response;
    try {
      res = await fetch(`${peer}/api/sessions/${id}/kill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.adminToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, user }),
        signal: AbortSignal.timeout(2000),
      });
    } catch (err) {
      throw new PeerUnreachableError(id, peer, (err as Error).message);
    }
    if (!res.ok) throw new PeerUnreachableError(id, peer, `HTTP ${res.status}`);
    const body = (await res.json()) as { result?: string };
    if (body.result === 'ok' || body.result === 'unknown' || body.result === 'denied') return body.result;
    throw new PeerUnreachableError(id, peer, 'unexpected answer');
  }

  /** `KILL` of one of this proxy's own sessions (the admin API's answer to a peer). */
  killLocal(id: number, query: boolean, user: string): Promise<KillResult> {
    return this.#byId.get(id)?.kill(query, user) ?? Promise.resolve('unknown');
  }

  async #killBackend(server: string, backendId: number, query: boolean, still?: () => boolean): Promise<void> {
    const c = await this.pool.acquire(server, CONTROL_PROFILE);
    let ok = false;
    try {
      if (still && !still()) {
        ok = true;
        return;
      }
      await c.query(`KILL ${query ? 'QUERY' : 'CONNECTION'} ${backendId}`);
      ok = true;
    } finally {
      this.pool.release(c, ok);
    }
  }

  /** The next id of this proxy's block that no open session uses. */
  #allocateId(): number {
    const base = this.options.idBlock * ID_SPAN;
    for (;;) {
      const n = this.#nextId;
      this.#nextId = n >= ID_SPAN - 1 ? 1 : n + 1;
      const id = base + n;
      if (!this.#byId.has(id)) return id;
    }
  }

  /** Stops accepting, lets sessions finish for up to `graceMs`, then closes everything. */
  async close(graceMs = 0): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.readiness.setDraining();
    // close() calls back only once every client connection has ended
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await sleep(50);
    for (const s of [...this.sessions]) s.close();
    await closed;
    await this.controller.stop();
    await this.pool.close();
  }

  #accept(socket: Socket): void {
    if (this.#closing || this.sessions.size >= this.options.maxClients) {
      this.metrics.clientConnectionsTotal.inc({ result: 'rejected' });
      socket.end(framePackets(errPayload(ErrCode.ER_CON_COUNT_ERROR, '08004', 'Too many connections (DBPROXY_MAX_CLIENTS)'), 0));
      socket.on('error', () => socket.destroy());
      return;
    }
    const session = new ClientSession(this.#ctx, socket);
    this.sessions.add(session);
    this.#byId.set(session.id, session);
    this.metrics.clientConnections.inc();
    session.onClose(() => {
      if (this.#byId.get(session.id) === session) this.#byId.delete(session.id);
      if (this.sessions.delete(session)) this.metrics.clientConnections.dec();
    });
  }

  #onWriter(w: string | undefined): void {
    if (!w) return;
    const prev = this.#lastWriter;
    this.#lastWriter = w;
    if (prev === undefined || prev === w) return;
    this.metrics.writerChanges.inc();
    this.logger.warn({ writer: w, previous: prev }, 'writer moved');
    for (const s of this.sessions) s.writerChanged(w, prev);
  }

  async #drain(writer: string | undefined, timeoutMs: number): Promise<void> {
    if (!writer) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      let busy = false;
      for (const s of this.sessions) {
        if (s.writing || s.inTransactionOn(writer)) {
          busy = true;
          break;
        }
      }
      if (!busy) return;
      await sleep(5);
    }
    this.logger.warn({ writer, timeoutMs }, 'switchover drain timed out: open transactions on the old writer will fail');
  }

  #serverVersion(): string {
    if (this.options.serverVersion) return this.options.serverVersion;
    const v = this.controller.views().find((x) => x.probe?.version)?.probe?.version;
    if (!v) return '5.5.5-10.11.0-MariaDB-db-proxy';
    return /^10\./.test(v) ? `5.5.5-${v}` : v;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
