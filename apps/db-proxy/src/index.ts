export { startDbProxy, buildDbProxy, type RunningDbProxy } from './app.js';
export { DbProxy, type DbProxyOptions, type DbProxyDeps } from './db-proxy.js';
export { configSpec, adminTokenSpec, loadDbProxyConfig, type DbProxyConfig } from './config.js';
export {
  DbProxyError,
  NoWriterError,
  BackendLostError,
  BackendConnectError,
  BackendProtocolError,
  PoolExhaustedError,
  SessionLostError,
  ReplayError,
  UnauthorizedError,
  ControlConflictError,
} from './errors.js';
export { classifyQuery, Target, type Classification, type PinReason } from './sql/classify-query.js';
export { tokenize, splitStatements, Tok, type Token } from './sql/sql-lexer.js';
export { ResponseScanner, ResponseKind } from './protocol/response-scanner.js';
export { PacketReader, PacketTooLargeError, type Message } from './protocol/packet-reader.js';
export { Cluster, type CausalMode, type ReadChoice } from './routing/cluster.js';
