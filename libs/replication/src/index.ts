export { ReplicationError, GtidParseError } from './replication-error.js';
export { parseGtid, formatGtid, GtidPosition, type Gtid } from './gtid.js';
export { connectAdmin, withAdmin, queryRows, label, type ConnectOptions, type ServerEndpoint } from './connect.js';
export { readServerState, readSlaveStatus, slaveStatusFrom, type ServerState, type SlaveStatus } from './server-state.js';
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
export { enableSemiSync, readSemiSyncStatus, semiSyncFrom, type SemiSyncOptions, type SemiSyncStatus } from './semi-sync.js';
export { META_SCHEMA, createMetaSchema, readWriterEpoch, recordWriterEpoch, type WriterEpoch } from './writer-epoch.js';
export { probeServer, type ServerProbe } from './server-probe.js';
export {
  ServerMonitor,
  type NamedEndpoint,
  type ServerHealth,
  type ServerMonitorOptions,
  type ServerSnapshot,
} from './server-monitor.js';
export { decideWriter, type WriterCandidate, type WriterDecision } from './decide-writer.js';
export { acquireControlLock, CONTROL_LOCK_NAME, type ControlLock, type ControlLockOptions } from './control-lock.js';
export {
  failover,
  fenceServer,
  promoteServer,
  rejoin,
  switchover,
  waitContains,
  waitReceivedApplied,
  type FailoverOptions,
  type FailoverResult,
  type RejoinOptions,
  type RejoinResult,
  type SwitchoverOptions,
  type SwitchoverResult,
} from './promotion.js';
export {
  ReplicationController,
  type ControlAction,
  type ControlActionKind,
  type ControlLogger,
  type ReplicationControllerEvents,
  type ReplicationControllerOptions,
  type ServerRole,
  type ServerView,
} from './replication-controller.js';
