import { join } from 'node:path';
import {
  freePort,
  mariadbPaths,
  mariadbSpec,
  prepareMariadbDataDir,
  startDaemon,
  type ExitInfo,
  type MariadbOptions,
  type QueryCacheOptions,
  type RunningDaemon,
} from '@scaleout/infra';
import type { ServerEndpoint } from '@scaleout/replication';
import { track } from './cleanup.js';
import { tempDir } from './temp-dir.js';

export interface StartMariadbOptions {
  name?: string;
  serverId?: number;
  gtidDomainId?: number;
  host?: string;
  port?: number;
  /** Folder for the instance (default: a new temp folder). */
  baseDir?: string;
  semiSync?: { timeoutMs: number };
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  /** MariaDB's query cache (query_cache_type, query_cache_size). */
  queryCache?: QueryCacheOptions;
  extraArgs?: string[];
}

/** A real mariadbd started for a test. */
export interface TestMariadb {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly socket: string;
  readonly baseDir: string;
  /** Root over the unix socket (for set-up and assertions). */
  readonly root: ServerEndpoint;
  /** Root over TCP host:port (what a peer uses). */
  readonly tcp: ServerEndpoint;
  readonly pid: number;
  readonly daemon: RunningDaemon;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<ExitInfo>;
  /** Sends a signal (SIGKILL for a crash, SIGSTOP/SIGCONT to hang it). */
  kill(signal: NodeJS.Signals): void;
  /** Starts it again on the same data folder and port (after stop or kill). */
  start(): Promise<void>;
}

/**
 * Starts a mariadbd on a free port with its own temporary data folder, socket and pid file, binary
 * logging with GTIDs and `last_gtid` session tracking on. A missing binary fails with the Debian package name.
 */
export async function startMariadb(options: StartMariadbOptions = {}): Promise<TestMariadb> {
  const serverId = options.serverId ?? 1;
  const name = options.name ?? `db${serverId}`;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const baseDir = options.baseDir ?? join(tempDir('scaleout-db-'), name);
  const mopts: MariadbOptions = {
    name,
    baseDir,
    host,
    port,
    serverId,
    gtidDomainId: options.gtidDomainId ?? serverId,
    autoIncrementIncrement: options.autoIncrementIncrement,
    autoIncrementOffset: options.autoIncrementOffset,
    semiSync: options.semiSync,
    queryCache: options.queryCache,
    extraArgs: options.extraArgs,
  };
  prepareMariadbDataDir(mopts);
  const paths = mariadbPaths(baseDir);
  const spec = mariadbSpec(mopts);
  const launch = async () => track(await startDaemon(spec, { errorLogFile: paths.errorLog, logFile: join(baseDir, 'stdout.log') }));
  let daemon = await launch();
  const root: ServerEndpoint = { name, host, port, socketPath: paths.socket, user: 'root', password: '' };
  return {
    name,
    host,
    port,
    socket: paths.socket,
    baseDir,
    root,
    tcp: { name, host, port, user: 'root', password: '' },
    get pid() {
      return daemon.pid;
    },
    get daemon() {
      return daemon;
    },
    stop: () => daemon.stop(),
    kill: (signal) => daemon.kill(signal),
    async start() {
      await daemon.stop();
      daemon = await launch();
    },
  };
}
