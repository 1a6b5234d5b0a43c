import type { Connection } from 'mysql2/promise';
import { queryRows } from './connect.js';

/** Schema holding replication-control records (created unlogged on each server by bootstrapServer). */
export const META_SCHEMA = 'scaleout_meta';

/**
 * One promotion record: every promotion (failover, switchover, election) inserts a row on the server it
 * promotes, binlogged, so it replicates to the peer. When two servers both claim to be writable, the
 * record with the highest epoch names the writer (see decideWriter).
 */
export interface WriterEpoch {
  epoch: number;
  /** `@@server_id` of the promoted server. */
  serverId: number;
  kind: string;
}

const CREATE_TABLE =
  `CREATE TABLE IF NOT EXISTS ${META_SCHEMA}.writer_epoch (` +
  'epoch BIGINT UNSIGNED NOT NULL, server_id INT UNSIGNED NOT NULL, kind VARCHAR(16) NOT NULL, ' +
  'promoted_at DATETIME(6) NOT NULL, PRIMARY KEY (epoch, server_id)) ENGINE=InnoDB';

/** Creates the schema and the table on this server only (caller decides about sql_log_bin). */
export async function createMetaSchema(c: Connection): Promise<void> {
  await c.query(`CREATE DATABASE IF NOT EXISTS ${META_SCHEMA}`);
  await c.query(CREATE_TABLE);
}

const MISSING = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_DB_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);

/** The newest promotion record on this server; undefined when there is none or the table is missing. */
export async function readWriterEpoch(c: Connection): Promise<WriterEpoch | undefined> {
  try {
    const [row] = await queryRows<{ epoch: string | number; server_id: string | number; kind: string }>(
      c,
      `SELECT epoch, server_id, kind FROM ${META_SCHEMA}.writer_epoch ORDER BY epoch DESC, server_id DESC LIMIT 1`,
    );
    return row ? { epoch: Number(row.epoch), serverId: Number(row.server_id), kind: String(row.kind) } : undefined;
  } catch (err) {
    if (MISSING.has((err as { code?: string }).code ?? '')) return undefined;
    throw err;
  }
}

/**
 * Records a promotion of the server `c` is connected to (binlogged: it replicates to the peer). Returns
 * false when the table does not exist (set-ups without bootstrapServer's meta schema).
 */
export async function recordWriterEpoch(c: Connection, epoch: number, kind: string): Promise<boolean> {
  try {
    await c.query(`INSERT INTO ${META_SCHEMA}.writer_epoch (epoch, server_id, kind, promoted_at) VALUES (?, @@server_id, ?, NOW(6))`, [
      epoch,
      kind.slice(0, 16),
    ]);
    return true;
  } catch (err) {
    if (MISSING.has((err as { code?: string }).code ?? '')) return false;
    throw err;
  }
}
