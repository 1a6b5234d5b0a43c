import mysql, { type Pool, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { SessionRecord } from './session-record.js';

export interface MariadbSessionStoreOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Bound on every query, ms. */
  timeoutMs: number;
  poolSize: number;
}

/** The durable tier's table (created at start when missing). */
export const SESSION_TABLE = 'scaleout_sessions';

const INSERT_SQL = `INSERT INTO ${SESSION_TABLE} (id, version, data, created_at, idle_expires_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?)`;
const insertValues = (r: SessionRecord) => [r.id, r.version, JSON.stringify(r.data), r.createdAt, r.idleExpiresAt, r.absoluteExpiresAt];

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${SESSION_TABLE} (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  version INT UNSIGNED NOT NULL,
  data LONGTEXT NOT NULL,
  created_at BIGINT NOT NULL,
  idle_expires_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  KEY idle_expires_at (idle_expires_at),
  KEY absolute_expires_at (absolute_expires_at)
) ENGINE=InnoDB`;

interface Row extends RowDataPacket {
  id: string;
  version: number;
  data: string;
  created_at: string | number;
  idle_expires_at: string | number;
  absolute_expires_at: string | number;
}

/** Result of a durable rotation. */
export type RotateOutcome = 'ok' | 'conflict' | 'not_found';

/**
 * The optional durable tier: sessions in a MariaDB table, written through (every create, replace,
 * rotation and delete is committed here before memcached is updated), read only when memcached has no
 * copy. Touches only move the idle expiry and are persisted lazily by the caller.
 */
export class MariadbSessionStore {
  readonly #pool: Pool;
  readonly #timeout: number;

  constructor(options: MariadbSessionStoreOptions) {
    this.#timeout = options.timeoutMs;
    this.#pool = mysql.createPool({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      connectionLimit: options.poolSize,
      connectTimeout: options.timeoutMs,
      enableKeepAlive: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    // An idle pooled connection that dies emits 'error' on the pool's connection; never crash on it.
    this.#pool.on('connection', (conn) => conn.on('error', () => {}));
  }

  async init(): Promise<void> {
    await this.#exec(CREATE_TABLE);
  }

  async ping(): Promise<void> {
    await this.#exec('SELECT 1');
  }

  async load(id: string): Promise<SessionRecord | null> {
    const [rows] = await this.#pool.query<Row[]>(
      { sql: `SELECT id, version, data, created_at, idle_expires_at, absolute_expires_at FROM ${SESSION_TABLE} WHERE id = ?`, timeout: this.#timeout },
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      version: Number(row.version),
      data: JSON.parse(row.data) as Record<string, unknown>,
      createdAt: Number(row.created_at),
      idleExpiresAt: Number(row.idle_expires_at),
      absoluteExpiresAt: Number(row.absolute_expires_at),
    };
  }

  /** Inserts a new session; false when the id exists. */
  async insert(r: SessionRecord): Promise<boolean> {
    try {
      await this.#exec(
        INSERT_SQL,
        insertValues(r),
      );
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return false;
      throw err;
    }
  }

  /** Replaces a session only if it is still at `expectedVersion` (the write-through concurrency guard). */
  async update(r: SessionRecord, expectedVersion: number): Promise<boolean> {
    const res = await this.#exec(
      `UPDATE ${SESSION_TABLE} SET version = ?, data = ?, idle_expires_at = ? WHERE id = ? AND version = ?`,
      [r.version, JSON.stringify(r.data), r.idleExpiresAt, r.id, expectedVersion],
    );
    return res.affectedRows === 1;
  }

  /** Moves the idle expiry forward (never backward). */
  async touch(id: string, idleExpiresAt: number): Promise<boolean> {
    const res = await this.#exec(
      `UPDATE ${SESSION_TABLE} SET idle_expires_at = GREATEST(idle_expires_at, ?) WHERE id = ?`,
      [idleExpiresAt, id],
    );
    return res.affectedRows === 1;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.#exec(`DELETE FROM ${SESSION_TABLE} WHERE id = ?`, [id]);
    return res.affectedRows === 1;
  }

  /** In one transaction: insert `next`, delete `oldId` if still at `expectedVersion`. */
  async rotate(oldId: string, expectedVersion: number, next: SessionRecord): Promise<RotateOutcome> {
    const conn = await this.#pool.getConnection();
    try {
      await conn.query({ sql: 'START TRANSACTION', timeout: this.#timeout });
      const [del] = await conn.query<ResultSetHeader>(
        { sql: `DELETE FROM ${SESSION_TABLE} WHERE id = ? AND version = ?`, timeout: this.#timeout },
        [oldId, expectedVersion],
      );
      if (del.affectedRows !== 1) {
        await conn.query({ sql: 'ROLLBACK', timeout: this.#timeout });
        const [rows] = await conn.query<Row[]>({ sql: `SELECT id FROM ${SESSION_TABLE} WHERE id = ?`, timeout: this.#timeout }, [oldId]);
        return rows.length === 0 ? 'not_found' : 'conflict';
      }
      await conn.query(
        { sql: INSERT_SQL, timeout: this.#timeout },
        insertValues(next),
      );
      await conn.query({ sql: 'COMMIT', timeout: this.#timeout });
      return 'ok';
    } catch (err) {
      await conn.query({ sql: 'ROLLBACK', timeout: this.#timeout }).catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /** Deletes expired sessions (at most `limit`); returns how many. */
  async sweep(now: number, limit = 1000): Promise<number> {
    const res = await this.#exec(
      `DELETE FROM ${SESSION_TABLE} WHERE idle_expires_at <= ? OR absolute_expires_at <= ? LIMIT ${Math.max(1, Math.floor(limit))}`,
      [now, now],
    );
    return res.affectedRows;
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }

  async #exec(sql: string, values: unknown[] = []): Promise<ResultSetHeader> {
    const [res] = await this.#pool.query<ResultSetHeader>({ sql, timeout: this.#timeout }, values);
    return res;
  }
}
