import { setupMasterMaster, waitCaughtUp, type MasterMasterOptions } from '@scaleout/replication';
import type { QueryCacheOptions } from '@scaleout/infra';
import { startMariadb, type TestMariadb } from './start-mariadb.js';

export interface MariadbPairOptions extends MasterMasterOptions {
  host?: string;
  semiSync?: { timeoutMs: number };
  /** MariaDB's query cache on both servers. */
  queryCache?: QueryCacheOptions;
}

export interface TestMariadbPair {
  /** server_id 1, gtid_domain_id 1, auto_increment_offset 1. */
  readonly a: TestMariadb;
  /** server_id 2, gtid_domain_id 2, auto_increment_offset 2. */
  readonly b: TestMariadb;
  /** Waits until both servers hold the same GTID binlog position. */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Two mariadbd replicating master-master with GTIDs: distinct server_id and gtid_domain_id,
 * auto_increment_increment=2 with offsets 1 and 2, log_slave_updates, ROW binlogs,
 * session_track_system_variables including last_gtid; database `shop`, users app/app and repl/repl.
 */
export async function startMariadbPair(options: MariadbPairOptions = {}): Promise<TestMariadbPair> {
  const [a, b] = await Promise.all([
    startMariadb({ serverId: 1, host: options.host, semiSync: options.semiSync, queryCache: options.queryCache }),
    startMariadb({ serverId: 2, host: options.host, semiSync: options.semiSync, queryCache: options.queryCache }),
  ]);
  await setupMasterMaster({ ...a.root, host: a.host, port: a.port }, { ...b.root, host: b.host, port: b.port }, options);
  return {
    a,
    b,
    waitCaughtUp: (timeoutMs = 10_000) => waitCaughtUp(a.root, b.root, timeoutMs),
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
    },
  };
}
