import type { BackendConnection } from '../backend/backend-connection.js';
import type { Classification } from '../sql/classify-query.js';

/**
 * A statement the client prepared through the proxy. The client sees the proxy's id; each backend
 * connection where it is prepared (lazily, where it executes) has its own id.
 */
export interface PreparedStatement {
  id: number;
  sql: string;
  /** The COM_STMT_PREPARE payload (to prepare it again elsewhere). */
  preparePayload: Buffer;
  cls: Classification;
  params: number;
  columns: number;
  backendIds: Map<BackendConnection, number>;
  /** Parameter types (2 bytes each) from the last execute that sent them. */
  types: Buffer | undefined;
  /** Connections that hold the current parameter types (an execute without types may go there as is). */
  typed: Set<BackendConnection>;
  /** Where COM_STMT_SEND_LONG_DATA went: the next execute must go there too. */
  longDataConn: BackendConnection | undefined;
  /** Where a cursor is open (COM_STMT_FETCH goes there). */
  cursorConn: BackendConnection | undefined;
  lastConn: BackendConnection | undefined;
}
