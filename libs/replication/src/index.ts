export { ReplicationError, GtidParseError } from './replication-error.js';
export { parseGtid, formatGtid, GtidPosition, type Gtid } from './gtid.js';
export { connectAdmin, withAdmin, queryRows, label, type ServerEndpoint } from './connect.js';
export { readServerState, readSlaveStatus, type ServerState, type SlaveStatus } from './server-state.js';
export {
  bootstrapServer,
  replicateFrom,
  setupMasterMaster,
  waitReplicating,
  waitCaughtUp,
  type BootstrapOptions,
  type Credentials,
  type MasterMasterOptions,
  type ReplicateFromOptions,
} from './master-master.js';
