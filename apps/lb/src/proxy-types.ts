import type { Socket } from 'node:net';
import type { Logger } from '@scaleout/service';
import type { PageCache } from './cache/page-cache.js';
import type { LbErrorCode } from './errors.js';
import type { LbMetrics } from './lb-metrics.js';
import type { Pool } from './pool.js';
import type { HeadLimits } from './request-head.js';
import type { Router } from './router.js';
import type { StickyCookie } from './sticky-cookie.js';
import type { TrustedProxies } from './trusted-proxies.js';

/*
 * The data plane's shared shapes. The engine creates connections, a connection creates exchanges, and
 * each looks back at the one above it only through these interfaces, so no module imports its caller.
 */

/** Data-plane settings (limits, timeouts, retries); see config.ts for the variables and defaults. */
export interface ProxySettings {
  instance: string;
  limits: HeadLimits;
  maxBodyBytes: number;
  maxResponseHeadBytes: number;
  headerTimeoutMs: number;
  keepAliveTimeoutMs: number;
  clientTimeoutMs: number;
  serverTimeoutMs: number;
  tunnelTimeoutMs: number;
  connectTimeoutMs: number;
  backendIdleTimeoutMs: number;
  backendMaxIdle: number;
  /** Extra attempts after the first. */
  retries: number;
  /** No new attempt starts later than this after the request head arrived. */
  retryTimeoutMs: number;
  /** Request body bytes kept so that a request can be replayed on another server. */
  retryBufferBytes: number;
  queueTimeoutMs: number;
  via: boolean;
  /** On the plain listener, redirect to https on this port (null: no redirect). */
  httpsRedirectPort: number | null;
  /** Cookieless clients of a sticky pool are placed by a source-IP hash (else by the pool's algorithm). */
  stickySourceFallback: boolean;
}

export type Listener = 'http' | 'https';

/** What a connection's current deadline guards. */
export type DeadlineKind = 'head' | 'idle' | 'client' | 'server' | 'tunnel' | 'closing' | 'cache';

/** The data plane as its connections and exchanges see it ({@link ProxyEngine} is the one). */
export interface DataPlane {
  readonly settings: ProxySettings;
  readonly router: Router<Pool>;
  readonly sticky: StickyCookie | null;
  readonly trusted: TrustedProxies;
  readonly metrics: LbMetrics;
  readonly logger: Logger;
  /** The page cache (null when no pool caches). */
  readonly cache: PageCache | null;
  /** Coarse clock (ms). */
  readonly now: number;
  readonly shuttingDown: boolean;
  /** Called by a connection when its socket has closed. */
  forget(conn: ClientConnection): void;
}

/** A client connection as its current exchange sees it ({@link FrontConnection} is the one). */
export interface ClientConnection {
  readonly socket: Socket;
  readonly engine: DataPlane;
  readonly listener: Listener;
  readonly peer: string;
  /** The peer is a trusted proxy (its X-Forwarded-* headers are believed). */
  readonly peerTrusted: boolean;
  /** Unconsumed input: a partial head, or pipelined bytes waiting for the current exchange. */
  buf: Buffer | null;
  /** The exchange in progress (set to null by one that ends without {@link exchangeDone}). */
  exchange: object | null;
  /** The client half-closed its side. */
  readonly clientEnded: boolean;
  stash(chunk: Buffer): void;
  pause(): void;
  resume(): void;
  /** The current exchange has finished writing its response. */
  exchangeDone(keepAlive: boolean): void;
  sendAndClose(code: LbErrorCode): void;
  setDeadline(kind: DeadlineKind, ms: number): void;
  destroy(): void;
}
