import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ensureBinary, requireBinary } from './find-binary.js';
import { InfraError } from './infra-error.js';
import { queryCacheArgs, type QueryCacheOptions } from './query-cache.js';
import type { DaemonSpec } from './start-daemon.js';
import type { ReadyProbe } from './probes.js';

export interface MariadbOptions {
  name: string;
  /** Instance folder: holds data/, the socket, the pid file and error.log. */
  baseDir: string;
  host: string;
  port: number;
  serverId: number;
  gtidDomainId: number;
  /** Default 2 (two masters). */
  autoIncrementIncrement?: number;
  /** Default: serverId. */
  autoIncrementOffset?: number;
  /** InnoDB buffer pool in MB. Default 64. */
  bufferPoolMb?: number;
  /** Semi-synchronous replication (AFTER_SYNC) on both the master and slave side. */
  semiSync?: { timeoutMs: number };
  /** Start replica threads at server start. Default true (false passes --skip-slave-start). */
  startSlave?: boolean;
  /** Start read_only (a fenced or rejoining server). Default false. */
  readOnly?: boolean;
  /**
   * `--init-rpl-role`. With SLAVE, crash recovery rolls back transactions that reached the binlog
   * but were never committed (so never acknowledged to a client) instead of committing them, so a
   * killed writer does not come back holding transactions its peer never received (MDEV-21117,
   * MDEV-33465; MariaDB 10.6.19 / 10.11.9 and later). Default: SLAVE with `semiSync` when the
   * server knows the option. In a master-master pair this is safe even for the surviving writer: a
   * rolled-back transaction the peer did receive comes back through replication from the peer.
   */
  initRplRole?: 'MASTER' | 'SLAVE';
  /** MariaDB's query cache; undefined: the server's default (OFF). */
  queryCache?: QueryCacheOptions;
  extraArgs?: string[];
  /** Install the Debian package when missing (root on Debian). Default false. */
  install?: boolean;
  onInstall?(message: string): void;
}

export interface MariadbPaths {
  dataDir: string;
  socket: string;
  pidFile: string;
  errorLog: string;
}

const MAX_SOCKET_PATH = 100;

/** Where an instance keeps its files. Long socket paths (over ~100 bytes) move to the temp folder. */
export function mariadbPaths(baseDir: string): MariadbPaths {
  let socket = join(baseDir, 'mysqld.sock');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    socket = join(tmpdir(), `scaleout-${createHash('sha1').update(baseDir).digest('hex').slice(0, 12)}.sock`);
  }
  return {
    dataDir: join(baseDir, 'data'),
    socket,
    pidFile: join(baseDir, 'mariadbd.pid'),
    errorLog: join(baseDir, 'error.log'),
  };
}

/** Server variables the session service tracks so a proxy can read `last_gtid` from every OK packet. */
export const SESSION_TRACK_VARIABLES =
  'autocommit,character_set_client,character_set_connection,character_set_results,time_zone,last_gtid';

/** The mariadbd command line for one instance of a master-master pair. */
export function mariadbArgs(options: MariadbOptions): string[] {
  const p = mariadbPaths(options.baseDir);
  const args = [
    '--no-defaults',
    `--datadir=${p.dataDir}`,
    `--socket=${p.socket}`,
    `--pid-file=${p.pidFile}`,
    `--log-error=${p.errorLog}`,
    `--bind-address=${options.host}`,
    `--port=${options.port}`,
    '--skip-name-resolve',
    `--server-id=${options.serverId}`,
    `--gtid-domain-id=${options.gtidDomainId}`,
    '--gtid-strict-mode=1',
    `--log-bin=${options.name}-bin`,
    `--log-bin-index=${options.name}-bin.index`,
    `--relay-log=${options.name}-relay-bin`,
    '--log-slave-updates=1',
    '--binlog-format=ROW',
    '--sync-binlog=1',
    '--innodb-flush-log-at-trx-commit=1',
    `--auto-increment-increment=${options.autoIncrementIncrement ?? 2}`,
    `--auto-increment-offset=${options.autoIncrementOffset ?? options.serverId}`,
    `--session-track-system-variables=${SESSION_TRACK_VARIABLES}`,
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    `--innodb-buffer-pool-size=${options.bufferPoolMb ?? 64}M`,
    '--innodb-log-file-size=48M',
    '--performance-schema=OFF',
    '--max-connections=1000',
    '--max-allowed-packet=64M',
    '--slave-net-timeout=10',
    '--connect-timeout=5',
  ];
  if (process.getuid?.() === 0) args.splice(1, 0, '--user=root');
  if (options.semiSync) {
    args.push(
      '--rpl-semi-sync-master-enabled=ON',
      '--rpl-semi-sync-slave-enabled=ON',
      '--rpl-semi-sync-master-wait-point=AFTER_SYNC',
      `--rpl-semi-sync-master-timeout=${options.semiSync.timeoutMs}`,
    );
  }
  if (options.initRplRole) args.push(`--init-rpl-role=${options.initRplRole}`);
  if (options.startSlave === false) args.push('--skip-slave-start');
  if (options.readOnly) args.push('--read-only=ON');
  if (options.queryCache) args.push(...queryCacheArgs(options.queryCache));
  if (options.extraArgs) args.push(...options.extraArgs);
  return args;
}

/** Connects as root over the unix socket and runs `SELECT 1`. */
export function mariadbProbe(options: Pick<MariadbOptions, 'baseDir'>): ReadyProbe {
  const { socket } = mariadbPaths(options.baseDir);
  return async () => {
    const conn = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 2000 });
    try {
      await conn.query('SELECT 1');
    } finally {
      conn.destroy();
    }
  };
}

const initRplRoleSupport = new Map<string, boolean>();

/** Whether this mariadbd has `--init-rpl-role` (10.6.19, 10.11.9, 11.4.3 and later). Cached per binary. */
export function supportsInitRplRole(bin: string): boolean {
  let known = initRplRoleSupport.get(bin);
  if (known === undefined) {
    const help = spawnSync(bin, ['--no-defaults', '--verbose', '--help'], { encoding: 'utf8', timeout: 10_000 });
    known = /--init-rpl-role/.test(help.stdout ?? '');
    initRplRoleSupport.set(bin, known);
  }
  return known;
}

/** Spec for {@link startDaemon}; call {@link prepareMariadbDataDir} first. */
export function mariadbSpec(options: MariadbOptions): DaemonSpec {
  const bin = options.install ? ensureBinary('mariadbd', { install: true, onInstall: options.onInstall }) : requireBinary('mariadbd');
  const initRplRole = options.initRplRole ?? (options.semiSync && supportsInitRplRole(bin) ? 'SLAVE' : undefined);
  return {
    name: options.name,
    command: bin,
    args: mariadbArgs({ ...options, initRplRole }),
    ready: mariadbProbe(options),
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 30_000,
  };
}

/**
 * Creates the data folder of an instance when it does not exist yet, by copying a template made once
 * per machine and MariaDB version with `mariadb-install-db` (root without password, no test database).
 * Returns true when a fresh data folder was created.
 */
export function prepareMariadbDataDir(options: Pick<MariadbOptions, 'baseDir' | 'install' | 'onInstall'>): boolean {
  const paths = mariadbPaths(options.baseDir);
  if (existsSync(join(paths.dataDir, 'mysql'))) return false;
  mkdirSync(options.baseDir, { recursive: true });
  const template = mariadbTemplate(options);
  rmSync(paths.dataDir, { recursive: true, force: true });
  cpSync(template, paths.dataDir, { recursive: true });
  return true;
}

function mariadbTemplate(options: Pick<MariadbOptions, 'install' | 'onInstall'>): string {
  const mariadbd = options.install ? ensureBinary('mariadbd', { install: true, onInstall: options.onInstall }) : requireBinary('mariadbd');
  const installDb = requireBinary('mariadb-install-db');
  const version = spawnSync(mariadbd, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const key = createHash('sha1').update(version).digest('hex').slice(0, 12);
  const root = join(tmpdir(), 'scaleout-mariadb-templates');
  const template = join(root, key);
  if (existsSync(join(template, 'mysql'))) return template;
  mkdirSync(root, { recursive: true });
  const staging = `${template}.${process.pid}.${Date.now()}`;
  const args = [
    '--no-defaults',
    `--datadir=${staging}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ];
  if (process.getuid?.() === 0) args.push('--user=root');
  const res = spawnSync(installDb, args, { encoding: 'utf8' });
  if (res.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new InfraError('INFRA_ERR_INSTALL_DB', `mariadb-install-db failed (${res.status}): ${res.stderr || res.stdout}`);
  }
  writeFileSync(join(staging, 'scaleout-template-version'), `${version}\n`);
  try {
    renameSync(staging, template);
  } catch {
    // another process won the race; use theirs
    rmSync(staging, { recursive: true, force: true });
  }
  return template;
}
