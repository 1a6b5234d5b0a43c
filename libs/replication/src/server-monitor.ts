import type { Connection } from 'mysql2/promise';
import { connectAdmin, type ServerEndpoint } from './connect.js';
import { probeServer, type ServerProbe } from './server-probe.js';

export type ServerHealth = 'unknown' | 'up' | 'down';

/** A named server to monitor (the admin account's credentials in `user`/`password`). */
export type NamedEndpoint = ServerEndpoint & { name: string };

export interface ServerMonitorOptions {
  /** A check (connect + probe) failing to finish within this many ms fails. Default 1000. */
  timeoutMs?: number;
  /** Consecutive successes that take a down server up. Default 2. */
  rise?: number;
  /** Consecutive failures that take a server down. Default 3. */
  fall?: number;
}

/** What the monitor knows about one server. */
export interface ServerSnapshot {
  name: string;
  host: string;
  port: number;
  /** `unknown` until the first success or `fall` failures; then `up`/`down` with rise/fall hysteresis. */
  health: ServerHealth;
  /** The latest check succeeded. */
  reachable: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastError?: string;
  /** Epoch ms of the latest check. */
  checkedAt?: number;
  /** The latest successful probe (kept while the server is failing; see probedAt). */
  probe?: ServerProbe;
  probedAt?: number;
}

/**
 * Checks one MariaDB server over a persistent admin connection: health with rise/fall hysteresis
 * (HAProxy model), read_only, GTID positions, replica threads and lag, semi-sync state and the newest
 * promotion record. One `check()` at a time; the caller schedules them.
 */
export class ServerMonitor {
  readonly endpoint: NamedEndpoint;
  readonly #timeoutMs: number;
  readonly #rise: number;
  readonly #fall: number;
  #conn: Connection | undefined;
  #snap: ServerSnapshot;

  constructor(endpoint: NamedEndpoint, options: ServerMonitorOptions = {}) {
    this.endpoint = endpoint;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#rise = options.rise ?? 2;
    this.#fall = options.fall ?? 3;
    this.#snap = {
      name: endpoint.name,
      host: endpoint.host,
      port: endpoint.port,
      health: 'unknown',
      reachable: false,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
    };
  }

  get snapshot(): ServerSnapshot {
    return this.#snap;
  }

  /** Runs one check and returns the updated snapshot. */
  async check(): Promise<ServerSnapshot> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = await Promise.race([
        this.#probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`check timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
        }),
      ]);
      this.#success(probe, started);
    } catch (err) {
      this.#drop();
      this.#failure(err, started);
    } finally {
      clearTimeout(timer);
    }
    return this.#snap;
  }

  close(): void {
    this.#drop();
  }

  async #probe(): Promise<ServerProbe> {
    if (!this.#conn) {
      const conn = await connectAdmin({ ...this.endpoint, connectTimeoutMs: this.#timeoutMs }, { multipleStatements: true });
      conn.on('error', () => this.#drop());
      this.#conn = conn;
    }
    return probeServer(this.#conn, { timeoutMs: this.#timeoutMs });
  }

  #drop(): void {
    const c = this.#conn;
    this.#conn = undefined;
    c?.destroy();
  }

  #success(probe: ServerProbe, at: number): void {
    const s = this.#snap;
    const successes = s.consecutiveSuccesses + 1;
    let health = s.health;
    if (health === 'unknown' || (health === 'down' && successes >= this.#rise)) health = 'up';
    this.#snap = {
      ...s,
      health,
      reachable: true,
      consecutiveSuccesses: successes,
      consecutiveFailures: 0,
      lastError: undefined,
      checkedAt: at,
      probe,
      probedAt: at,
    };
  }

  #failure(err: unknown, at: number): void {
    const s = this.#snap;
    const failures = s.consecutiveFailures + 1;
    let health = s.health;
    if (health !== 'down' && failures >= this.#fall) health = 'down';
    this.#snap = {
      ...s,
      health,
      reachable: false,
      consecutiveFailures: failures,
      consecutiveSuccesses: 0,
      lastError: err instanceof Error ? err.message : String(err),
      checkedAt: at,
    };
  }
}
