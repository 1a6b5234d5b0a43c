import { createPool, type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { HostPort, Logger } from '@scaleout/service';
import { EndpointList } from '../endpoint-list.js';
import { DbUnavailableError } from '../errors.js';
import type { WebMetrics } from '../web-metrics.js';

export interface DatabaseOptions {
  /** Equivalent endpoints (db-proxy pair, or MariaDB servers) in preference order. */
  hosts: readonly HostPort[];
  user: string;
  password: string;
  database: string;
  /** Connections per endpoint. Default 10. */
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Inactivity bound on every statement; the connection is dropped when it fires. Default 5000. */
  queryTimeoutMs?: number;
  /** How long an endpoint that failed is skipped. Default 5000. */
  retryAfterMs?: number;
  metrics?: WebMetrics;
  logger?: Logger;
}

/** A value bound to a `?` placeholder (escaped client-side; statements go as COM_QUERY text). */
export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;

/** Statements inside one transaction (same connection). */
export interface Tx {
  rows<T>(name: string, sql: string, values?: readonly SqlValue[]): Promise<T[]>;
  execute(name: string, sql: string, values?: readonly SqlValue[]): Promise<ResultSetHeader>;
}

/** Runs one statement on the session's connection; `timeoutMs` overrides the query timeout (e.g. for GET_LOCK). */
export type SessionRunner = (sql: string, values?: readonly SqlValue[], options?: { timeoutMs?: number }) => Promise<unknown>;

interface MysqlError extends Error {
  code?: string;
  errno?: number;
  fatal?: boolean;
}

/** Error codes meaning "this server or the path to it is gone" (fail over; 503 for the request). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EADDRNOTAVAIL',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ACQUIRE_TIMEOUT',
]);
/** Server errors with the same meaning: shutdown, too many connections, read-only (a fenced master), killed. */
const CONNECTION_ERRNOS = new Set([1053, 1040, 1290, 1836, 1927, 2002, 2003, 2006, 2013]);
/** Transient conflicts a transaction is retried after: deadlock, lock wait timeout. */
const RETRY_ERRNOS = new Map([
  [1213, 'deadlock'],
  [1205, 'lock_wait_timeout'],
]);

export function isConnectionError(err: unknown): boolean {
  const e = err as MysqlError;
  if (!e || typeof e !== 'object') return false;
  return e.fatal === true || (e.code !== undefined && CONNECTION_CODES.has(e.code)) || (e.errno !== undefined && CONNECTION_ERRNOS.has(e.errno));
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as MysqlError)?.errno === 1062;
}

function retryReason(err: unknown): string | undefined {
  const errno = (err as MysqlError)?.errno;
  return errno === undefined ? undefined : RETRY_ERRNOS.get(errno);
}

const label = (h: HostPort) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

/**
 * The web tier's database access: one mysql2 pool per endpoint, used in preference order with
 * failover. A statement that could not get a connection is tried on the next endpoint; a read
 * (`rows`) that lost its connection mid-way is retried there too; a write or transaction that lost its
 * connection fails with {@link DbUnavailableError} (HTTP 503) because its outcome is unknown.
 * Deadlocks and lock wait timeouts re-run the whole transaction (up to `retries`).
 */
export class Database {
  readonly #o: Required<Omit<DatabaseOptions, 'metrics' | 'logger'>> & Pick<DatabaseOptions, 'metrics' | 'logger'>;
  readonly #endpoints: EndpointList<HostPort>;
  readonly #pools = new Map<HostPort, Pool>();
  #lastUsed: HostPort | undefined;
  #closed = false;

  constructor(options: DatabaseOptions) {
    this.#o = {
      poolSize: 10,
      connectTimeoutMs: 2000,
      queryTimeoutMs: 5000,
      retryAfterMs: 5000,
      ...options,
    };
    this.#endpoints = new EndpointList([...options.hosts], { retryAfterMs: this.#o.retryAfterMs });
    for (const h of options.hosts) this.#o.metrics?.dbEndpointActive.set({ endpoint: label(h) }, 0);
  }

  /** `host:port` of the endpoint currently preferred. */
  get activeEndpoint(): string {
    return label(this.#endpoints.current());
  }

  /** Rows of a read. Retried on the next endpoint when the connection fails (a read is safe to repeat). */
  async rows<T>(name: string, sql: string, values: readonly SqlValue[] = []): Promise<T[]> {
    return this.#timed(name, () =>
      this.#withConnection(() => true, async (conn) => (await this.#run(conn, sql, values)) as unknown as T[]),
    );
  }

  /**
   * Rows of a read that must see every committed write (read-your-writes across requests): run inside
   * a read-write transaction, which db-proxy routes to the writer, unlike an autocommit SELECT that
   * may go to a lagging reader.
   */
  async primaryRows<T>(name: string, sql: string, values: readonly SqlValue[] = []): Promise<T[]> {
    // timed once, under `name`, by tx.rows (the transaction around it is timed as primary_read)
    return this.transaction('primary_read', (tx) => tx.rows<T>(name, sql, values));
  }

  /** A write outside a transaction (autocommit). */
  async execute(name: string, sql: string, values: readonly SqlValue[] = []): Promise<ResultSetHeader> {
    return this.#timed(name, () =>
      this.#withConnection(() => false, async (conn) => (await this.#run(conn, sql, values)) as ResultSetHeader),
    );
  }

  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws.
   * Re-runs it after a deadlock or lock wait timeout (at most `retries` more times), so `fn` must be
   * safe to repeat (it is: the transaction rolled back).
   */
  async transaction<T>(name: string, fn: (tx: Tx) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    const retries = options.retries ?? 3;
    return this.#timed(name, async () => {
      for (let attempt = 0; ; attempt++) {
        let started = false;
        try {
          // A connection lost before the transaction started (a stale pooled connection) is safe to retry elsewhere.
          return await this.#withConnection(() => !started, async (conn) => {
            await this.#run(conn, 'START TRANSACTION', []);
            started = true;
            const tx: Tx = {
              rows: async <R>(n: string, sql: string, values: readonly SqlValue[] = []) =>
                this.#timed(n, async () => (await this.#run(conn, sql, values)) as unknown as R[]),
              execute: async (n, sql, values = []) => this.#timed(n, async () => (await this.#run(conn, sql, values)) as ResultSetHeader),
            };
            try {
              const result = await fn(tx);
              await this.#run(conn, 'COMMIT', []);
              return result;
            } catch (err) {
              if (!isConnectionError(err)) await this.#run(conn, 'ROLLBACK', []).catch(() => undefined);
              throw err;
            }
          });
        } catch (err) {
          const reason = retryReason(err);
          if (reason && attempt < retries) {
            this.#o.metrics?.dbRetries.inc({ reason });
            await sleep(5 + Math.random() * 20 * (attempt + 1));
            continue;
          }
          throw err;
        }
      }
    });
  }

  /**
   * One connection for a sequence of statements outside a transaction (e.g. GET_LOCK … RELEASE_LOCK
   * around migrations, which must run on one session).
   */
  async session<T>(fn: (run: SessionRunner) => Promise<T>): Promise<T> {
    return this.#withConnection(
      () => false,
      (conn) => fn((sql, values = [], opts = {}) => this.#run(conn, sql, values, opts.timeoutMs)),
    );
  }

  /** `SELECT 1` on the preferred endpoint (failing over like any read). */
  async ping(): Promise<void> {
    await this.rows('ping', 'SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }

  // --- internals ------------------------------------------------------------------------------------

  async #timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let result = 'ok';
    try {
      return await fn();
    } catch (err) {
      result = err instanceof DbUnavailableError || isConnectionError(err) ? 'unavailable' : 'error';
      throw err;
    } finally {
      this.#o.metrics?.dbQuery.observe({ query: name, result }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async #run(conn: PoolConnection, sql: string, values: readonly SqlValue[], timeoutMs?: number): Promise<RowDataPacket[] | ResultSetHeader> {
    const [result] = await conn.query({ sql, values: values as SqlValue[], timeout: timeoutMs ?? this.#o.queryTimeoutMs });
    return result as RowDataPacket[] | ResultSetHeader;
  }

  /**
   * Gets a connection from the first endpoint that gives one, runs `fn`, releases it. Connection
   * failures mark the endpoint down; when `retryAfterLoss()` says so, a connection lost during `fn`
   * moves on to the next endpoint too. Throws {@link DbUnavailableError} when no endpoint served.
   */
  async #withConnection<T>(retryAfterLoss: () => boolean, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DbUnavailableError('the database client is closed');
    let lastError: unknown;
    for (const endpoint of this.#endpoints.order()) {
      let conn: PoolConnection;
      try {
        conn = await this.#acquire(endpoint);
      } catch (err) {
        lastError = err;
        this.#fail(endpoint, err);
        continue;
      }
      try {
        const result = await fn(conn);
        conn.release();
        this.#succeeded(endpoint);
        return result;
      } catch (err) {
        if (!isConnectionError(err)) {
          conn.release();
          throw err;
        }
        conn.destroy();
        this.#fail(endpoint, err);
        lastError = err;
        if (!retryAfterLoss()) throw new DbUnavailableError(`database connection lost: ${(err as Error).message}`, err);
      }
    }
    throw new DbUnavailableError(`no database endpoint answered: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`, lastError);
  }

  #pool(endpoint: HostPort): Pool {
    let pool = this.#pools.get(endpoint);
    if (!pool) {
      pool = createPool({
        host: endpoint.host,
        port: endpoint.port,
        user: this.#o.user,
        password: this.#o.password,
        database: this.#o.database,
        connectionLimit: this.#o.poolSize,
        maxIdle: this.#o.poolSize,
        idleTimeout: 60_000,
        connectTimeout: this.#o.connectTimeoutMs,
        waitForConnections: true,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
        charset: 'utf8mb4',
        timezone: 'Z',
        dateStrings: false,
        decimalNumbers: true,
        supportBigNumbers: true,
      });
      this.#pools.set(endpoint, pool);
    }
    return pool;
  }

  /** A connection, or a rejection within connect timeout + pool wait (mysql2 waits for a free connection without bound). */
  #acquire(endpoint: HostPort): Promise<PoolConnection> {
    const pool = this.#pool(endpoint);
    const limit = this.#o.connectTimeoutMs + this.#o.queryTimeoutMs;
    return new Promise<PoolConnection>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(Object.assign(new Error(`no connection to ${label(endpoint)} within ${limit} ms`), { code: 'ACQUIRE_TIMEOUT' }));
      }, limit);
      pool.getConnection().then(
        (conn) => {
          clearTimeout(timer);
          if (settled) conn.release();
          else resolve(conn);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!settled) reject(err);
        },
      );
    });
  }

  #fail(endpoint: HostPort, err: unknown): void {
    if (!this.#endpoints.isDown(endpoint)) {
      this.#o.logger?.warn({ endpoint: label(endpoint), err: (err as Error).message }, 'database endpoint failed; trying the next one');
    }
    this.#endpoints.markDown(endpoint);
  }

  #succeeded(endpoint: HostPort): void {
    this.#endpoints.markUp(endpoint);
    if (this.#lastUsed === endpoint) return;
    const m = this.#o.metrics;
    if (this.#lastUsed) {
      m?.dbFailovers.inc({ from: label(this.#lastUsed), to: label(endpoint) });
      m?.dbEndpointActive.set({ endpoint: label(this.#lastUsed) }, 0);
      this.#o.logger?.warn({ from: label(this.#lastUsed), to: label(endpoint) }, 'database endpoint changed');
    }
    m?.dbEndpointActive.set({ endpoint: label(endpoint) }, 1);
    this.#lastUsed = endpoint;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
