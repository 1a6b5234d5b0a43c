import { ScaleoutError } from '@scaleout/service';

/**
 * Errors of the db-proxy. `code` is stable (README table). `mysqlCode`/`sqlState` are what a MySQL
 * client receives in the ERR packet when the error reaches it; `statusCode` is used by the admin API.
 */
export class DbProxyError extends ScaleoutError {
  readonly mysqlCode: number;
  readonly sqlState: string;
  constructor(
    code: string,
    message: string,
    options: { mysqlCode?: number; sqlState?: string; statusCode?: number; cause?: unknown } = {},
  ) {
    super(code, message, { statusCode: options.statusCode ?? 503, cause: options.cause });
    this.mysqlCode = options.mysqlCode ?? 1927;
    this.sqlState = options.sqlState ?? '08S01';
  }
}

/** No writer is available (failover or switchover in progress) and none appeared within DBPROXY_WRITER_WAIT. */
export class NoWriterError extends DbProxyError {
  constructor(waitedMs: number) {
    super('DBPROXY_ERR_NO_WRITER', `no writer available after waiting ${waitedMs} ms`, { mysqlCode: 1927, sqlState: 'HY000' });
  }
}

/** A backend connection failed while a command was running on it. */
export class BackendLostError extends DbProxyError {
  constructor(server: string, detail: string) {
    super('DBPROXY_ERR_BACKEND_LOST', `lost connection to backend ${server} during query: ${detail}`, { mysqlCode: 1927, sqlState: '08S01' });
  }
}

/** Connecting or authenticating to a backend failed. */
export class BackendConnectError extends DbProxyError {
  constructor(server: string, detail: string, cause?: unknown) {
    super('DBPROXY_ERR_BACKEND_CONNECT', `cannot connect to backend ${server}: ${detail}`, { mysqlCode: 2003, sqlState: 'HY000', cause });
  }
}

/** The backend pool of a server is full and no connection became free in time. */
export class PoolExhaustedError extends DbProxyError {
  constructor(server: string, waitedMs: number) {
    super('DBPROXY_ERR_POOL_EXHAUSTED', `no free backend connection to ${server} after ${waitedMs} ms`, { mysqlCode: 1040, sqlState: '08004' });
  }
}

/** The session's state lived on a backend that is gone (or no longer the writer): the client must reconnect. */
export class SessionLostError extends DbProxyError {
  constructor(detail: string) {
    super('DBPROXY_ERR_SESSION_LOST', `session state lost: ${detail}; reconnect`, { mysqlCode: 1927, sqlState: '08S01' });
  }
}

/** A backend answered in a way the proxy cannot follow. */
export class BackendProtocolError extends DbProxyError {
  constructor(server: string, detail: string) {
    super('DBPROXY_ERR_BACKEND_PROTOCOL', `protocol error from backend ${server}: ${detail}`, { mysqlCode: 1927, sqlState: '08S01' });
  }
}

/** Session state (SET/USE history) could not be restored on a backend. */
export class ReplayError extends DbProxyError {
  constructor(server: string, detail: string) {
    super('DBPROXY_ERR_REPLAY', `could not restore session state on ${server}: ${detail}`, { mysqlCode: 1927, sqlState: 'HY000' });
  }
}

/** `KILL <id>` of a connection of the peer proxy, which could not be asked (DBPROXY_PEERS). */
export class PeerUnreachableError extends DbProxyError {
  constructor(id: number, peer: string, detail: string) {
    super('DBPROXY_ERR_PEER', `cannot forward KILL ${id} to the proxy owning it (${peer}): ${detail}`, { mysqlCode: 1094, sqlState: 'HY000' });
  }
}

/** Admin API: missing or wrong bearer token. */
export class UnauthorizedError extends DbProxyError {
  constructor() {
    super('DBPROXY_ERR_UNAUTHORIZED', 'missing or wrong bearer token (SCALEOUT_ADMIN_TOKEN)', { statusCode: 401 });
  }
}

/** Admin API: the replication action cannot be done now (another is running, preconditions fail). */
export class ControlConflictError extends DbProxyError {
  constructor(message: string, cause?: unknown) {
    super('DBPROXY_ERR_CONTROL', message, { statusCode: 409, cause });
  }
}
