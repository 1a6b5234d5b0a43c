import type { Connection, RowDataPacket } from 'mysql2/promise';
import { GtidPosition } from './gtid.js';
import { semiSyncFrom, type SemiSyncStatus } from './semi-sync.js';
import { slaveStatusFrom, type SlaveStatus } from './server-state.js';
import { readWriterEpoch, type WriterEpoch } from './writer-epoch.js';

/** Everything a monitor learns about one server in one check. */
export interface ServerProbe {
  serverId: number;
  gtidDomainId: number;
  readOnly: boolean;
  version: string;
  gtidBinlogPos: GtidPosition;
  gtidSlavePos: GtidPosition;
  gtidCurrentPos: GtidPosition;
  /** The replica side; undefined when the server replicates from nobody. */
  slave: SlaveStatus | undefined;
  semiSync: SemiSyncStatus;
  /** Newest promotion record (undefined without the meta schema or before the first promotion). */
  epoch: WriterEpoch | undefined;
  /** `@@global.session_track_system_variables` includes last_gtid (needed for causal reads). */
  tracksLastGtid: boolean;
}

const PROBE_SQL =
  'SELECT @@server_id AS serverId, @@gtid_domain_id AS domainId, @@global.read_only AS readOnly, @@version AS version, ' +
  '@@global.gtid_binlog_pos AS binlogPos, @@global.gtid_slave_pos AS slavePos, @@global.gtid_current_pos AS currentPos, ' +
  '@@global.rpl_semi_sync_master_enabled AS me, @@global.rpl_semi_sync_slave_enabled AS se, ' +
  '@@global.rpl_semi_sync_master_timeout AS t, @@global.rpl_semi_sync_master_wait_point AS wp, ' +
  '@@global.session_track_system_variables AS tracked; ' +
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients'); " +
  'SHOW SLAVE STATUS';

/**
 * Probes a server in two round trips (one multi-statement batch, then the promotion record). The
 * connection must allow multiple statements (`connectAdmin(e, { multipleStatements: true })`).
 */
export async function probeServer(c: Connection, options: { timeoutMs?: number } = {}): Promise<ServerProbe> {
  const [results] = await c.query<RowDataPacket[][]>({ sql: PROBE_SQL, timeout: options.timeoutMs });
  const vars = (results[0]?.[0] ?? {}) as Record<string, unknown>;
  const status = (results[1] ?? []) as unknown as { Variable_name: string; Value: string }[];
  const slaveRow = results[2]?.[0] as Record<string, unknown> | undefined;
  const epoch = await readWriterEpoch(c);
  return {
    serverId: Number(vars.serverId),
    gtidDomainId: Number(vars.domainId),
    readOnly: Number(vars.readOnly) === 1,
    version: String(vars.version ?? ''),
    gtidBinlogPos: GtidPosition.parse(String(vars.binlogPos ?? '')),
    gtidSlavePos: GtidPosition.parse(String(vars.slavePos ?? '')),
    gtidCurrentPos: GtidPosition.parse(String(vars.currentPos ?? '')),
    slave: slaveRow ? slaveStatusFrom(slaveRow) : undefined,
    semiSync: semiSyncFrom(vars, status),
    epoch,
    tracksLastGtid: String(vars.tracked ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .some((s) => s === 'last_gtid' || s === '*'),
  };
}
