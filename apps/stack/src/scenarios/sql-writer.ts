// The write load of db-failover: workers on the db-proxies, each a closed loop of autocommit INSERTs
// with ids of its own, every acknowledgement and error timed, and a read-your-write check after each
// acknowledged insert (same connection, through the proxy).
import mysql from 'mysql2/promise';
import { DEV_ACCOUNTS } from '../stack-spec.js';

export const WRITES_TABLE = 'scenario_writes';

export interface WriteRecord {
  id: number;
  worker: number;
  /** Epoch ms. */
  sentAt: number;
  ackAt?: number;
  errorAt?: number;
  error?: string;
  /** After the ack: the row was not visible to the next read on the same session. */
  readMissing?: boolean;
}

export interface SqlWriterOptions {
  /** `host:port` of each proxy; workers are spread over them. */
  endpoints: string[];
  workers: number;
  /** Pause between a worker's writes. */
  pauseMs: number;
}

const connectTo = (endpoint: string) => {
  const [host, port] = endpoint.split(':');
  return mysql.createConnection({ host, port: Number(port), user: DEV_ACCOUNTS.app.user, password: DEV_ACCOUNTS.app.password, database: 'shop', connectTimeout: 2000 });
};

export async function createWritesTable(endpoint: string): Promise<void> {
  const c = await connectTo(endpoint);
  try {
    await c.query(`CREATE TABLE IF NOT EXISTS ${WRITES_TABLE} (id BIGINT PRIMARY KEY, worker INT NOT NULL, created TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Ids present in the table on one server, read directly (not through a proxy). */
export async function idsOn(address: string): Promise<Set<number>> {
  const c = await connectTo(address);
  try {
    const [rows] = await c.query(`SELECT id FROM ${WRITES_TABLE}`);
    return new Set((rows as { id: number | string }[]).map((r) => Number(r.id)));
  } finally {
    await c.end().catch(() => undefined);
  }
}

export class SqlWriter {
  readonly records: WriteRecord[] = [];
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(readonly o: SqlWriterOptions) {}

  start(): void {
    for (let w = 0; w < this.o.workers; w++) this.#loops.push(this.#worker(w, this.o.endpoints[w % this.o.endpoints.length]!));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  async #worker(worker: number, endpoint: string): Promise<void> {
    let seq = 0;
    let conn: mysql.Connection | undefined;
    while (!this.#stopped) {
      try {
        if (!conn) {
          conn = await connectTo(endpoint);
          conn.on('error', () => undefined);
        }
      } catch {
        conn = undefined;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const id = (worker + 1) * 1_000_000_000 + ++seq;
      const rec: WriteRecord = { id, worker, sentAt: Date.now() };
      this.records.push(rec);
      try {
        await conn.query(`INSERT INTO ${WRITES_TABLE} (id, worker) VALUES (?, ?)`, [id, worker]);
        rec.ackAt = Date.now();
        try {
          const [rows] = await conn.query(`SELECT id FROM ${WRITES_TABLE} WHERE id = ?`, [id]);
          if ((rows as unknown[]).length === 0) rec.readMissing = true;
        } catch {
          // a failed read is not a violation; the next write finds out whether the session is usable
        }
      } catch (err) {
        rec.errorAt = Date.now();
        const e = err as { code?: string; message?: string };
        // mysql2's code (ER_…), else the proxy's code at the start of its message (DBPROXY_ERR_…)
        rec.error = e.code ?? /^[A-Z][A-Z0-9_]+/.exec(e.message ?? '')?.[0] ?? String(e.message);
        const fatal = (err as { fatal?: boolean }).fatal;
        if (fatal) {
          conn.destroy();
          conn = undefined;
        }
      }
      if (this.o.pauseMs > 0) await new Promise((r) => setTimeout(r, this.o.pauseMs));
    }
    await conn?.end().catch(() => conn?.destroy());
  }
}
