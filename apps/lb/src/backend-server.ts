import type { Socket } from 'node:net';

/** Administrative state, set through the admin API (HAProxy's ready / drain / maint). */
export type AdminState = 'ready' | 'drain' | 'maint';
/** The state reported for a server: its admin state, or `down` when it is ready/drain but not healthy. */
export type ServerState = AdminState | 'down';
/** Where a server came from. */
export type ServerSource = 'static' | 'dns' | 'admin';

export interface ServerSpec {
  name: string;
  host: string;
  port: number;
  weight: number;
  /** 0 = unlimited. */
  maxconn: number;
}

/** Per-server counters kept in process (the admin API shows them; Prometheus has its own). */
export interface ServerCounters {
  requests: number;
  responses: [number, number, number, number, number];
  connectionErrors: number;
  retries: number;
  redispatches: number;
  transitions: number;
  bytesIn: number;
  bytesOut: number;
}

/** One backend server of a pool: configuration, state, load and its idle keep-alive connections. */
export class BackendServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Opaque stable id used in the sticky cookie (derived from pool, address and the cookie secret). */
  readonly cookieId: string;
  readonly source: ServerSource;
  weight: number;
  maxconn: number;
  adminState: AdminState = 'ready';
  /** Result of active checks (true when checks are off). */
  healthy = true;
  /** Passive outlier ejection in force. */
  ejected = false;
  /** Requests currently assigned (connected or connecting). */
  inflight = 0;
  /** Smooth weighted round robin accumulator. */
  current = 0;
  /** performance.now() when the server last came up; slow start ramps from it. -Infinity = no ramp. */
  upSince = -Infinity;
  /** Removed from its pool: finish in-flight work, keep nothing. */
  removed = false;
  /** Idle keep-alive connections, most recently used last. */
  readonly idle: IdleConn[] = [];
  /** Open connections to this server (idle and busy). */
  openConns = 0;
  readonly counters: ServerCounters = {
    requests: 0,
    responses: [0, 0, 0, 0, 0],
    connectionErrors: 0,
    retries: 0,
    redispatches: 0,
    transitions: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  lastTransitionAt = Date.now();

  constructor(spec: ServerSpec, cookieId: string, source: ServerSource) {
    this.name = spec.name;
    this.host = spec.host;
    this.port = spec.port;
    this.weight = spec.weight;
    this.maxconn = spec.maxconn;
    this.cookieId = cookieId;
    this.source = source;
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** Healthy and not ejected. */
  get up(): boolean {
    return this.healthy && !this.ejected && !this.removed;
  }

  get state(): ServerState {
    if (this.adminState === 'maint') return 'maint';
    return this.up ? this.adminState : 'down';
  }

  /** May take new (non-sticky) clients. */
  get balanceable(): boolean {
    return this.adminState === 'ready' && this.up;
  }

  /** May take clients pinned to it by cookie (ready or drain, and up). */
  get stickable(): boolean {
    return this.adminState !== 'maint' && this.up;
  }

  get full(): boolean {
    return this.maxconn > 0 && this.inflight >= this.maxconn;
  }

  /** Weight after slow start: ramps linearly from 10% to 100% over `slowStartMs` after coming up. */
  effectiveWeight(now: number, slowStartMs: number): number {
    if (slowStartMs <= 0) return this.weight;
    const t = now - this.upSince;
    if (t >= slowStartMs) return this.weight;
    return this.weight * Math.max(0.1, t / slowStartMs);
  }
}

/** An idle pooled connection, as the server keeps it. */
export interface IdleConn {
  readonly socket: Socket;
  idleSince: number;
  /** Close it (idle timeout, server removed). */
  destroy(): void;
}
