export { buildSessionApp, type SessionAppDeps, type SessionService } from './app.js';
export { sessionConfigSpec, checkSessionConfig, DEV_DB_PASSWORD, type SessionConfig } from './config.js';
export {
  SessionError,
  SessionNotFoundError,
  VersionMismatchError,
  SessionTooLargeError,
  SessionUnavailableError,
  DurableUnavailableError,
  SessionConflictError,
  type SessionErrorCode,
} from './errors.js';
export { SessionStore, type IfMatch, type SessionStoreOptions, type StoredSession } from './session-store.js';
export { MariadbSessionStore, SESSION_TABLE, type MariadbSessionStoreOptions } from './mariadb-session-store.js';
export { SessionMetrics, type SessionOp, type SessionResult } from './session-metrics.js';
export { parseIfMatch } from './session-routes.js';
export { TOMBSTONE, decodeRecord, encodeRecord, expiresAtOf, isExpired, toView, type SessionRecord, type SessionView } from './session-record.js';
