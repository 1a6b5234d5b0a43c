import { createHmac } from 'node:crypto';
import { ActiveChecker, httpProbe, OutlierDetector } from '@scaleout/health';
import type { Logger } from '@scaleout/service';
import { Balancer, type Algorithm, type HashKeySource, type Pick } from './balancer.js';
import { BackendServer, type AdminState, type ServerSource, type ServerSpec } from './backend-server.js';
import { LbError, type LbErrorCode } from './errors.js';

export interface HealthCheckSettings {
  /** Path of the active HTTP check; null turns active checks off. */
  path: string | null;
  /** Accepted statuses. */
  expect: (status: number) => boolean;
  intervalMs: number;
  fastIntervalMs: number;
  downIntervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  /** Host header sent with checks (default: the server address). */
  host?: string;
}

export interface PassiveSettings {
  /** Consecutive failures (connect errors, 5xx) that eject a server; 0 turns ejection off. */
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

export interface PoolOptions {
  name: string;
  algorithm: Algorithm;
  hashKey: HashKeySource;
  slowStartMs: number;
  /** When no server is healthy, balance over every `ready` server anyway (see Balancer.panic). */
  failOpen?: boolean;
  queueSize: number;
  queueTimeoutMs: number;
  health: HealthCheckSettings;
  passive: PassiveSettings;
  cookieSecret: string;
  logger: Logger;
  random?: () => number;
}

/** A request waiting for a server slot (all candidates at maxconn). */
export interface QueueWaiter {
  /** Picks again; called whenever a slot may have freed. */
  pick(): Pick;
  granted(server: BackendServer): void;
  failed(code: LbErrorCode): void;
  deadline: number;
  done: boolean;
}

export type PoolEvent =
  | { type: 'health'; server: BackendServer; up: boolean; reason: string }
  | { type: 'eject'; server: BackendServer; until: number }
  | { type: 'uneject'; server: BackendServer }
  | { type: 'added' | 'removed'; server: BackendServer };

/** A named set of backend servers with its balancer, queue, active checks and passive ejection. */
export class Pool {
  readonly name: string;
  readonly balancer: Balancer;
  readonly options: PoolOptions;
  readonly #servers = new Map<string, BackendServer>();
  #list: BackendServer[] = [];
  readonly #byCookie = new Map<string, BackendServer>();
  readonly #checkers = new Map<string, ActiveChecker>();
  readonly #detector: OutlierDetector | null;
  readonly queue: QueueWaiter[] = [];
  /** Listeners for metrics and logs. */
  readonly listeners: Array<(e: PoolEvent) => void> = [];
  #running = false;
  redispatches = 0;
  queueTimeouts = 0;
  queueOverflows = 0;

  constructor(options: PoolOptions) {
    this.options = options;
    this.name = options.name;
    this.balancer = new Balancer(options.algorithm, () => this.#list, options.slowStartMs, options.random, options.failOpen ?? false);
    if (options.passive.consecutiveFailures > 0) {
      this.#detector = new OutlierDetector({
        consecutiveFailures: options.passive.consecutiveFailures,
        baseEjectionMs: options.passive.baseEjectionMs,
        maxEjectionMs: Math.max(options.passive.baseEjectionMs, options.passive.baseEjectionMs * 10),
        maxEjectionPercent: options.passive.maxEjectionPercent,
        totalCount: () => this.#list.length,
        sweepIntervalMs: 500,
      });
      this.#detector.on('eject', (e) => {
        const s = this.#servers.get(e.key);
        if (!s) return;
        s.ejected = true;
        s.counters.transitions++;
        s.lastTransitionAt = Date.now();
        this.changed();
        this.#emit({ type: 'eject', server: s, until: e.until });
      });
      this.#detector.on('uneject', (e) => {
        const s = this.#servers.get(e.key);
        if (!s) return;
        s.ejected = false;
        s.upSince = performance.now();
        s.counters.transitions++;
        s.lastTransitionAt = Date.now();
        this.changed();
        this.#emit({ type: 'uneject', server: s });
      });
    } else {
      this.#detector = null;
    }
  }

  get servers(): readonly BackendServer[] {
    return this.#list;
  }

  get(name: string): BackendServer | undefined {
    return this.#servers.get(name);
  }

  byCookieId(id: string): BackendServer | undefined {
    return this.#byCookie.get(id);
  }

  /** True when at least one server is up and not in maintenance. */
  get anyUp(): boolean {
    return this.#list.some((s) => s.stickable);
  }

  /** Opaque cookie id of a server: HMAC of pool and address, so lb1 and lb2 agree and the address stays hidden. */
  cookieIdFor(host: string, port: number): string {
    return createHmac('sha256', this.options.cookieSecret).update(`${this.name}|${host}|${port}`).digest('base64url').slice(0, 12);
  }

  /**
   * Add a server. `slowStart` makes it ramp up (used for servers that join at run time).
   * Throws LB_ERR_CONFLICT when the name or the address is taken.
   */
  addServer(spec: ServerSpec, source: ServerSource, opts: { slowStart?: boolean; adminState?: AdminState } = {}): BackendServer {
    if (this.#servers.has(spec.name)) throw new LbError('LB_ERR_CONFLICT', `pool ${this.name} already has a server named ${spec.name}`);
    const cookieId = this.cookieIdFor(spec.host, spec.port);
    if (this.#byCookie.has(cookieId)) throw new LbError('LB_ERR_CONFLICT', `pool ${this.name} already has a server at ${spec.host}:${spec.port}`);
    const server = new BackendServer(spec, cookieId, source);
    if (opts.adminState) server.adminState = opts.adminState;
    if (opts.slowStart) server.upSince = performance.now();
    this.#servers.set(server.name, server);
    this.#byCookie.set(cookieId, server);
    this.#list = [...this.#servers.values()];
    this.#startChecker(server);
    this.changed();
    this.#emit({ type: 'added', server });
    return server;
  }

  /** Remove a server: no new requests; in-flight ones finish; idle connections close. */
  removeServer(name: string): BackendServer | undefined {
    const server = this.#servers.get(name);
    if (!server) return undefined;
    server.removed = true;
    this.#servers.delete(name);
    this.#byCookie.delete(server.cookieId);
    this.#list = [...this.#servers.values()];
    const checker = this.#checkers.get(name);
    checker?.stop();
    this.#checkers.delete(name);
    this.#detector?.remove(name);
    for (const c of server.idle.splice(0)) c.destroy();
    this.changed();
    this.#emit({ type: 'removed', server });
    return server;
  }

  setAdminState(server: BackendServer, state: AdminState): void {
    if (server.adminState === state) return;
    const wasUsable = server.stickable;
    server.adminState = state;
    if (state !== 'maint' && !wasUsable && server.up) server.upSince = performance.now();
    server.counters.transitions++;
    server.lastTransitionAt = Date.now();
    const checker = this.#checkers.get(server.name);
    // HAProxy: maint stops checks; leaving maint restarts them.
    if (checker) {
      if (state === 'maint') checker.stop();
      else if (this.#running) checker.start();
    }
    this.changed();
  }

  setWeight(server: BackendServer, weight: number): void {
    server.weight = weight;
    this.changed();
  }

  /** Something that affects selection changed: rebuild candidates and serve the queue. */
  changed(): void {
    this.balancer.invalidate();
    this.serveQueue();
  }

  /** Record the outcome of a request for passive ejection. */
  recordResult(server: BackendServer, ok: boolean): void {
    if (this.#detector === null || server.removed) return;
    if (ok) this.#detector.recordSuccess(server.name);
    else this.#detector.recordFailure(server.name);
  }

  /** Take a slot on `server` (counts it in flight). */
  take(server: BackendServer): void {
    server.inflight++;
  }

  /** Give a slot back; a queued request may take it. */
  release(server: BackendServer): void {
    server.inflight--;
    if (this.queue.length > 0) this.serveQueue();
  }

  /**
   * Queue a request whose candidates are all at maxconn. Returns false when the queue is full
   * (the caller answers 503 LB_ERR_QUEUE_FULL).
   */
  enqueue(waiter: QueueWaiter): boolean {
    if (this.queue.length >= this.options.queueSize) {
      this.queueOverflows++;
      return false;
    }
    this.queue.push(waiter);
    return true;
  }

  serveQueue(): void {
    const q = this.queue;
    for (let i = 0; i < q.length; ) {
      const w = q[i]!;
      if (w.done) {
        q.splice(i, 1);
        continue;
      }
      const r = w.pick();
      if (r === 'full') {
        i++;
        continue;
      }
      q.splice(i, 1);
      w.done = true;
      if (r === null) w.failed('LB_ERR_NO_SERVER');
      else {
        this.take(r);
        w.granted(r);
      }
    }
  }

  /** Fail the waiters whose queue timeout passed. */
  expireQueue(now: number): void {
    const q = this.queue;
    for (let i = 0; i < q.length; ) {
      const w = q[i]!;
      if (w.done || w.deadline <= now) {
        q.splice(i, 1);
        if (!w.done) {
          w.done = true;
          this.queueTimeouts++;
          w.failed('LB_ERR_QUEUE_TIMEOUT');
        }
      } else i++;
    }
  }

  start(): void {
    this.#running = true;
    for (const [name, c] of this.#checkers) if (this.#servers.get(name)?.adminState !== 'maint') c.start();
  }

  stop(): void {
    this.#running = false;
    for (const c of this.#checkers.values()) c.stop();
    this.#detector?.close();
    for (const s of this.#list) for (const c of s.idle.splice(0)) c.destroy();
    for (const w of this.queue.splice(0)) {
      if (!w.done) {
        w.done = true;
        w.failed('LB_ERR_SHUTTING_DOWN');
      }
    }
  }

  /** Active-check snapshot of a server (undefined when checks are off). */
  checkSnapshot(name: string) {
    return this.#checkers.get(name)?.snapshot();
  }

  #startChecker(server: BackendServer): void {
    const h = this.options.health;
    if (h.path === null) return;
    const probe = httpProbe({
      url: `http://${server.address}${h.path}`,
      expectStatus: h.expect,
      headers: h.host ? { host: h.host } : {},
      maxBodyBytes: 4096,
    });
    // A server that joins a running pool (DNS discovery, admin API) starts down and takes traffic only
    // after `rise` good checks, like HAProxy's dynamic servers: a replica that is still starting never
    // sees requests. Servers present at start begin up (the LB is not ready before a first check anyway).
    const joinsDown = this.#running;
    if (joinsDown) server.healthy = false;
    const checker = new ActiveChecker({
      name: server.name,
      probe,
      interval: h.intervalMs,
      fastInterval: h.fastIntervalMs,
      downInterval: h.downIntervalMs,
      timeout: h.timeoutMs,
      rise: h.rise,
      fall: h.fall,
      initialState: joinsDown ? 'down' : 'up',
      jitter: 0.1,
    });
    checker.on('change', (e) => {
      server.healthy = e.to === 'up';
      if (server.healthy) server.upSince = performance.now();
      server.counters.transitions++;
      server.lastTransitionAt = Date.now();
      this.changed();
      this.#emit({ type: 'health', server, up: server.healthy, reason: e.reason });
    });
    this.#checkers.set(server.name, checker);
    if (this.#running && server.adminState !== 'maint') checker.start();
  }

  #emit(e: PoolEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.options.logger.error({ err }, 'pool listener failed');
      }
    }
  }
}
