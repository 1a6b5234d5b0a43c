import type { Connection } from 'mysql2/promise';
import { label, withAdmin, type ServerEndpoint } from './connect.js';
import { ReplicationError } from './replication-error.js';
import { enableSemiSync, type SemiSyncOptions } from './semi-sync.js';
import { readServerState, readSlaveStatus } from './server-state.js';
import { createMetaSchema, META_SCHEMA } from './writer-epoch.js';

export interface Credentials {
  user: string;
  password: string;
}

export interface BootstrapOptions {
  /** Application database created on both servers. Default `shop`. */
  database?: string;
  /** Application user with all privileges on the database (no SUPER, so read_only fences it). Default app/app. */
  app?: Credentials;
  /** Replication user. Default repl/repl. */
  repl?: Credentials;
  /**
   * Administrative user for proxies and monitors (REPLICATION CLIENT, SLAVE MONITOR, READ_ONLY ADMIN …,
   * enough to fence and promote, plus all privileges on the `scaleout_meta` schema where promotions are
   * recorded). Omitted when undefined.
   */
  admin?: Credentials;
  /** Host part of the created accounts. Default `%`. */
  accountHost?: string;
}

const quoteId = (s: string) => '`' + s.replace(/`/g, '``') + '`';

/**
 * Creates the database, the `scaleout_meta` schema (promotion records) and the accounts on one server
 * without writing them to the binlog (each server of a pair is bootstrapped the same way, so nothing
 * conflicts when replication starts). Idempotent.
 */
export async function bootstrapServer(c: Connection, options: BootstrapOptions = {}): Promise<void> {
  const db = options.database ?? 'shop';
  const app = options.app ?? { user: 'app', password: 'app' };
  const repl = options.repl ?? { user: 'repl', password: 'repl' };
  const host = options.accountHost ?? '%';
  await c.query('SET SESSION sql_log_bin = 0');
  try {
    await c.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await createMetaSchema(c);
    await c.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [app.user, host, app.password]);
    await c.query(`GRANT ALL PRIVILEGES ON ${quoteId(db)}.* TO ?@?`, [app.user, host]);
    await c.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [repl.user, host, repl.password]);
    await c.query('GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO ?@?', [repl.user, host]);
    if (options.admin) {
      await c.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [options.admin.user, host, options.admin.password]);
      await c.query(
        'GRANT RELOAD, PROCESS, REPLICATION CLIENT, REPLICATION SLAVE ADMIN, SLAVE MONITOR, BINLOG MONITOR, ' +
          'READ_ONLY ADMIN, CONNECTION ADMIN, SUPER ON *.* TO ?@?',
        [options.admin.user, host],
      );
      await c.query(`GRANT ALL PRIVILEGES ON ${quoteId(db)}.* TO ?@?`, [options.admin.user, host]);
      await c.query(`GRANT ALL PRIVILEGES ON ${META_SCHEMA}.* TO ?@?`, [options.admin.user, host]);
    }
  } finally {
    await c.query('SET SESSION sql_log_bin = 1');
  }
}

export interface ReplicateFromOptions {
  repl?: Credentials;
  /** GTID mode for CHANGE MASTER. Default `slave_pos`. */
  useGtid?: 'slave_pos' | 'current_pos';
  /** Seconds between reconnect attempts. Default 1. */
  connectRetrySeconds?: number;
  /** Seconds without data before the I/O thread reconnects. Default 10 (also the heartbeat base). */
  heartbeatSeconds?: number;
}

/** Points `replica` at `master` (CHANGE MASTER … master_use_gtid) and starts the replica threads. */
export async function replicateFrom(replica: Connection, master: ServerEndpoint, options: ReplicateFromOptions = {}): Promise<void> {
  const repl = options.repl ?? { user: 'repl', password: 'repl' };
  await replica.query('STOP SLAVE');
  await replica.query(
    `CHANGE MASTER TO master_host = ?, master_port = ?, master_user = ?, master_password = ?, ` +
      `master_use_gtid = ${options.useGtid ?? 'slave_pos'}, master_connect_retry = ?, master_heartbeat_period = ?`,
    [master.host, master.port, repl.user, repl.password, options.connectRetrySeconds ?? 1, (options.heartbeatSeconds ?? 10) / 2],
  );
  await replica.query('START SLAVE');
}

export interface MasterMasterOptions extends BootstrapOptions, ReplicateFromOptions {
  /** Wait until both replica threads run. Default 15 s. */
  timeoutMs?: number;
  /** Also turn semi-synchronous replication (AFTER_SYNC) on at run time on both servers. */
  semiSync?: SemiSyncOptions;
}

/**
 * Sets up two servers as masters of each other: bootstrap both (database and accounts, unlogged), then
 * each replicates from the other using GTIDs, then waits until both replica threads are running.
 * Each server must already run with its own server_id and gtid_domain_id and log_slave_updates.
 */
export async function setupMasterMaster(a: ServerEndpoint, b: ServerEndpoint, options: MasterMasterOptions = {}): Promise<void> {
  await withAdmin(a, (c) => bootstrapServer(c, options));
  await withAdmin(b, (c) => bootstrapServer(c, options));
  const aPeer = { ...a, socketPath: undefined };
  const bPeer = { ...b, socketPath: undefined };
  await withAdmin(a, (c) => replicateFrom(c, bPeer, options));
  await withAdmin(b, (c) => replicateFrom(c, aPeer, options));
  if (options.semiSync) {
    const semiSync = options.semiSync;
    await withAdmin(a, (c) => enableSemiSync(c, semiSync));
    await withAdmin(b, (c) => enableSemiSync(c, semiSync));
  }
  await waitReplicating(a, options.timeoutMs ?? 15_000);
  await waitReplicating(b, options.timeoutMs ?? 15_000);
}

/** Waits until the server's replica I/O and SQL threads both run. */
export async function waitReplicating(e: ServerEndpoint, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no replica configured';
  for (;;) {
    const s = await withAdmin(e, readSlaveStatus);
    if (s && s.ioRunning === 'Yes' && s.sqlRunning === 'Yes') return;
    if (s) last = `io=${s.ioRunning} sql=${s.sqlRunning} ${s.lastIoError} ${s.lastSqlError}`.trim();
    if (Date.now() > deadline) {
      throw new ReplicationError('REPL_ERR_NOT_REPLICATING', `${label(e)} is not replicating after ${timeoutMs} ms: ${last}`);
    }
    await sleep(100);
  }
}

/**
 * Waits until both servers have the same GTID binlog position (with log_slave_updates every
 * transaction of either master ends up in both binlogs), i.e. each has applied everything the other
 * wrote. Throws after `timeoutMs` naming the positions.
 */
export async function waitCaughtUp(a: ServerEndpoint, b: ServerEndpoint, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [sa, sb] = await Promise.all([withAdmin(a, readServerState), withAdmin(b, readServerState)]);
    if (sa.gtidBinlogPos.equals(sb.gtidBinlogPos)) return;
    if (Date.now() > deadline) {
      throw new ReplicationError(
        'REPL_ERR_NOT_CAUGHT_UP',
        `${label(a)} (${sa.gtidBinlogPos}) and ${label(b)} (${sb.gtidBinlogPos}) did not converge within ${timeoutMs} ms`,
      );
    }
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
