import type { Connection } from 'mysql2/promise';
import { queryRows } from './connect.js';
import { GtidPosition } from './gtid.js';

/** What a monitor needs from one server in one round trip. */
export interface ServerState {
  serverId: number;
  gtidDomainId: number;
  readOnly: boolean;
  gtidBinlogPos: GtidPosition;
  gtidSlavePos: GtidPosition;
  gtidCurrentPos: GtidPosition;
}

export async function readServerState(c: Connection): Promise<ServerState> {
  const [row] = await queryRows<Record<string, string | number | null>>(
    c,
    'SELECT @@server_id AS serverId, @@gtid_domain_id AS gtidDomainId, @@read_only AS readOnly, ' +
      '@@gtid_binlog_pos AS binlogPos, @@gtid_slave_pos AS slavePos, @@gtid_current_pos AS currentPos',
  );
  return {
    serverId: Number(row!.serverId),
    gtidDomainId: Number(row!.gtidDomainId),
    readOnly: Number(row!.readOnly) === 1,
    gtidBinlogPos: GtidPosition.parse(String(row!.binlogPos ?? '')),
    gtidSlavePos: GtidPosition.parse(String(row!.slavePos ?? '')),
    gtidCurrentPos: GtidPosition.parse(String(row!.currentPos ?? '')),
  };
}

/** The replica side of a server (`SHOW SLAVE STATUS`), or undefined when it replicates from nobody. */
export interface SlaveStatus {
  masterHost: string;
  masterPort: number;
  ioRunning: 'Yes' | 'No' | 'Connecting' | string;
  sqlRunning: 'Yes' | 'No' | string;
  secondsBehindMaster: number | null;
  lastIoError: string;
  lastSqlError: string;
  gtidIoPos: GtidPosition;
  usingGtid: string;
}

export async function readSlaveStatus(c: Connection): Promise<SlaveStatus | undefined> {
  const rows = await queryRows<Record<string, unknown>>(c, 'SHOW SLAVE STATUS');
  const r = rows[0];
  return r ? slaveStatusFrom(r) : undefined;
}

/** Builds a {@link SlaveStatus} from one `SHOW SLAVE STATUS` row. */
export function slaveStatusFrom(r: Record<string, unknown>): SlaveStatus {
  const sbm = r.Seconds_Behind_Master;
  return {
    masterHost: String(r.Master_Host ?? ''),
    masterPort: Number(r.Master_Port ?? 0),
    ioRunning: String(r.Slave_IO_Running ?? 'No'),
    sqlRunning: String(r.Slave_SQL_Running ?? 'No'),
    secondsBehindMaster: sbm === null || sbm === undefined ? null : Number(sbm),
    lastIoError: String(r.Last_IO_Error ?? ''),
    lastSqlError: String(r.Last_SQL_Error ?? ''),
    gtidIoPos: GtidPosition.parse(String(r.Gtid_IO_Pos ?? '')),
    usingGtid: String(r.Using_Gtid ?? ''),
  };
}
