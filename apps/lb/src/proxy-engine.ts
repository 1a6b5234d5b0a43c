import type { Socket } from 'node:net';
import type { Logger } from '@scaleout/service';
import type { PageCache } from './cache/page-cache.js';
import { FrontConnection } from './front-connection.js';
import type { LbMetrics } from './lb-metrics.js';
import type { Pool } from './pool.js';
import type { Listener, ProxySettings } from './proxy-types.js';
import type { Router } from './router.js';
import type { StickyCookie } from './sticky-cookie.js';
import type { TrustedProxies } from './trusted-proxies.js';


/**
 * The data plane: accepts client sockets (plain or TLS), owns the connections, the coarse clock and
 * the timer wheel that enforces every deadline (header, keep-alive, client, server, queue, idle pool).
 */
export class ProxyEngine {
  readonly connections = new Set<FrontConnection>();
  /** Coarse clock (ms), refreshed by the ticker: deadlines need no syscall per event. */
  now = Date.now();
  shuttingDown = false;
  readonly #ticker: NodeJS.Timeout;
  #drained: (() => void) | null = null;

  constructor(
    readonly settings: ProxySettings,
    readonly router: Router<Pool>,
    readonly pools: ReadonlyMap<string, Pool>,
    readonly sticky: StickyCookie | null,
    readonly trusted: TrustedProxies,
    readonly metrics: LbMetrics,
    readonly logger: Logger,
    /** The page cache (null when no pool caches: the data plane never looks at it). */
    readonly cache: PageCache | null = null,
  ) {
    const shortest = Math.min(settings.headerTimeoutMs, settings.keepAliveTimeoutMs, settings.queueTimeoutMs, settings.clientTimeoutMs, settings.serverTimeoutMs);
    const tickMs = Math.max(20, Math.min(250, Math.floor(shortest / 4)));
    this.#ticker = setInterval(() => this.tick(), tickMs);
    this.#ticker.unref();
  }

  /** Serve a freshly accepted client socket. */
  handle(socket: Socket, listener: Listener): void {
    this.now = Date.now();
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    this.metrics.connections.labels({ listener }).inc();
    const conn = new FrontConnection(this, socket, listener);
    this.connections.add(conn);
  }

  /** Called by a connection when its socket has closed. */
  forget(conn: FrontConnection): void {
    this.connections.delete(conn);
    if (this.#drained && this.connections.size === 0) this.#drained();
  }

  tick(): void {
    const now = (this.now = Date.now());
    for (const c of this.connections) if (c.deadline <= now) c.onDeadline();
    for (const p of this.pools.values()) {
      if (p.queue.length > 0) p.expireQueue(now);
      for (const s of p.servers) {
        const idle = s.idle;
        while (idle.length > 0 && now - idle[0]!.idleSince > this.settings.backendIdleTimeoutMs) idle.shift()!.destroy();
      }
    }
  }

  /**
   * Graceful stop of the data plane: idle connections close now; busy ones answer their current
   * request with `Connection: close` and close; whatever is left after `graceMs` is cut.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    for (const c of [...this.connections]) c.onShutdown();
    if (this.connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref();
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const c of [...this.connections]) c.destroy();
    clearInterval(this.#ticker);
    for (const p of this.pools.values()) p.stop();
  }

  /** Stop the timers without waiting (tests, fatal errors). */
  close(): void {
    clearInterval(this.#ticker);
    for (const c of [...this.connections]) c.destroy();
  }
}
