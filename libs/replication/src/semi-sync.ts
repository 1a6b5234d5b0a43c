import type { Connection } from 'mysql2/promise';
import { queryRows } from './connect.js';

/** Semi-synchronous replication settings and state of one server (built into MariaDB since 10.3). */
export interface SemiSyncStatus {
  /** `rpl_semi_sync_master_enabled`: commits wait for a replica's acknowledgement. */
  masterEnabled: boolean;
  /** `Rpl_semi_sync_master_status`: ON while commits really wait; OFF after a timeout fell back to async. */
  masterActive: boolean;
  /** `Rpl_semi_sync_master_clients`: replicas acknowledging right now. */
  masterClients: number;
  /** `rpl_semi_sync_slave_enabled`: this server acknowledges what it receives as a replica. */
  slaveEnabled: boolean;
  /** `rpl_semi_sync_master_timeout` in ms: how long a commit waits before falling back to async. */
  timeoutMs: number;
  /** `rpl_semi_sync_master_wait_point`: AFTER_SYNC or AFTER_COMMIT. */
  waitPoint: string;
}

export interface SemiSyncOptions {
  /** How long a commit waits for an acknowledgement before the master falls back to async. */
  timeoutMs: number;
  /** Default AFTER_SYNC (the commit becomes visible only after the replica has it in its relay log). */
  waitPoint?: 'AFTER_SYNC' | 'AFTER_COMMIT';
}

/**
 * Turns semi-synchronous replication on at run time on one server of a master-master pair, both
 * roles: as a master (AFTER_SYNC, timeout) and as a replica (acknowledges; the replica I/O thread is
 * restarted so the setting takes effect). Only what differs is changed: on servers started with
 * `mariadbArgs({ semiSync })` this is a no-op.
 */
export async function enableSemiSync(c: Connection, options: SemiSyncOptions): Promise<void> {
  const before = await readSemiSyncStatus(c);
  const waitPoint = options.waitPoint ?? 'AFTER_SYNC';
  const timeoutMs = Math.max(0, Math.round(options.timeoutMs));
  if (before.waitPoint !== waitPoint) await c.query(`SET GLOBAL rpl_semi_sync_master_wait_point = ${waitPoint}`);
  if (before.timeoutMs !== timeoutMs) await c.query('SET GLOBAL rpl_semi_sync_master_timeout = ?', [timeoutMs]);
  if (!before.masterEnabled) await c.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
  if (before.slaveEnabled) return; // already on (servers started with mariadbArgs({ semiSync })): nothing to restart
  await c.query('SET GLOBAL rpl_semi_sync_slave_enabled = ON');
  const [slave] = await queryRows<Record<string, unknown>>(c, 'SHOW SLAVE STATUS');
  if (slave && String(slave.Slave_IO_Running) !== 'No') {
    await c.query('STOP SLAVE IO_THREAD');
    await c.query('START SLAVE IO_THREAD');
  }
}

export async function readSemiSyncStatus(c: Connection): Promise<SemiSyncStatus> {
  const [vars] = await queryRows<Record<string, unknown>>(
    c,
    'SELECT @@global.rpl_semi_sync_master_enabled AS me, @@global.rpl_semi_sync_slave_enabled AS se, ' +
      '@@global.rpl_semi_sync_master_timeout AS t, @@global.rpl_semi_sync_master_wait_point AS wp',
  );
  const status = await queryRows<{ Variable_name: string; Value: string }>(
    c,
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')",
  );
  return semiSyncFrom(vars ?? {}, status);
}

/** Builds a {@link SemiSyncStatus} from the variables row and the status rows (shared with the probe). */
export function semiSyncFrom(vars: Record<string, unknown>, status: { Variable_name: string; Value: string }[]): SemiSyncStatus {
  const st = new Map(status.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  return {
    masterEnabled: onOff(vars.me),
    slaveEnabled: onOff(vars.se),
    timeoutMs: Number(vars.t ?? 0),
    waitPoint: String(vars.wp ?? ''),
    masterActive: onOff(st.get('rpl_semi_sync_master_status')),
    masterClients: Number(st.get('rpl_semi_sync_master_clients') ?? 0),
  };
}

function onOff(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  const s = String(v).toUpperCase();
  return s === '1' || s === 'ON' || s === 'YES' || s === 'TRUE';
}
