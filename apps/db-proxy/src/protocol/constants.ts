// MySQL/MariaDB client/server protocol constants (only what the proxy uses).

/** Capability flags (Protocol::CapabilityFlags). */
export const Cap = {
  LONG_PASSWORD: 0x1, // also CLIENT_MYSQL: a server setting it is "MySQL" (no MariaDB extended capabilities)
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
} as const;

/**
 * MariaDB extended capability flags (bits 32-63 of the capabilities, sent as a separate 4-byte field:
 * the last 4 reserved bytes of the greeting and of the handshake response; only read when the sender
 * leaves CLIENT_MYSQL = LONG_PASSWORD unset).
 */
export const MariaCap = {
  PROGRESS: 0x1,
  COM_MULTI: 0x2,
  STMT_BULK_OPERATIONS: 0x4,
  EXTENDED_METADATA: 0x8,
  CACHE_METADATA: 0x10,
  BULK_UNIT_RESULTS: 0x20,
} as const;

/**
 * MariaDB extended capabilities the proxy can relay. EXTENDED_METADATA only adds a field inside
 * column definitions (relayed unchanged); PROGRESS adds progress-report packets before a response (the
 * scanner steps over them). Not relayable, so never claimed: CACHE_METADATA (result sets without column
 * definitions, tied to one server's statement), STMT_BULK_OPERATIONS / BULK_UNIT_RESULTS
 * (COM_STMT_BULK_EXECUTE is not routed), COM_MULTI.
 */
export const RELAYABLE_MARIADB_CAPABILITIES = MariaCap.PROGRESS | MariaCap.EXTENDED_METADATA;

/** Command bytes (first byte of a client command packet). */
export const Cmd = {
  SLEEP: 0x00,
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  CONNECT: 0x0b,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  TIME: 0x0f,
  DELAYED_INSERT: 0x10,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  TABLE_DUMP: 0x13,
  CONNECT_OUT: 0x14,
  REGISTER_SLAVE: 0x15,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  DAEMON: 0x1d,
  BINLOG_DUMP_GTID: 0x1e,
  RESET_CONNECTION: 0x1f,
  STMT_BULK_EXECUTE: 0xfa,
} as const;

/** Server status flags (in OK and EOF packets). */
export const Status = {
  IN_TRANS: 0x1,
  AUTOCOMMIT: 0x2,
  MORE_RESULTS_EXISTS: 0x8,
  NO_GOOD_INDEX_USED: 0x10,
  NO_INDEX_USED: 0x20,
  CURSOR_EXISTS: 0x40,
  LAST_ROW_SENT: 0x80,
  DB_DROPPED: 0x100,
  NO_BACKSLASH_ESCAPES: 0x200,
  METADATA_CHANGED: 0x400,
  QUERY_WAS_SLOW: 0x800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

/** Session-state-change types in an OK packet. */
export const SessionTrack = {
  SYSTEM_VARIABLES: 0,
  SCHEMA: 1,
  STATE_CHANGE: 2,
  GTIDS: 3,
  TRANSACTION_CHARACTERISTICS: 4,
  TRANSACTION_STATE: 5,
} as const;

/** Largest payload of one physical packet; a payload of exactly this size continues in the next packet. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/**
 * Capabilities the proxy offers to clients. Not offered: COMPRESS, LOCAL_FILES (LOAD DATA LOCAL),
 * NO_SCHEMA, query attributes. CLIENT_MYSQL (LONG_PASSWORD) is left unset like MariaDB 10.2+ does: the
 * greeting carries MariaDB extended capabilities (those every backend offers and the proxy can relay,
 * see RELAYABLE_MARIADB_CAPABILITIES).
 */
export const PROXY_CAPABILITIES =
  Cap.FOUND_ROWS |
  Cap.LONG_FLAG |
  Cap.CONNECT_WITH_DB |
  Cap.ODBC |
  Cap.IGNORE_SPACE |
  Cap.PROTOCOL_41 |
  Cap.INTERACTIVE |
  Cap.IGNORE_SIGPIPE |
  Cap.TRANSACTIONS |
  Cap.RESERVED |
  Cap.SECURE_CONNECTION |
  Cap.MULTI_STATEMENTS |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.PLUGIN_AUTH |
  Cap.CONNECT_ATTRS |
  Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Cap.SESSION_TRACK |
  Cap.DEPRECATE_EOF;

/**
 * Client capabilities that change what the server sends (or how it interprets commands). A backend
 * connection is opened with exactly the client's value of each, so packets can be relayed unchanged; the
 * pool keeps connections apart by this "profile".
 */
export const PROFILE_CAPABILITIES =
  Cap.FOUND_ROWS |
  Cap.IGNORE_SPACE |
  Cap.INTERACTIVE |
  Cap.MULTI_STATEMENTS |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.SESSION_TRACK |
  Cap.DEPRECATE_EOF;

/** Capabilities every backend connection of the proxy uses. */
export const BACKEND_BASE_CAPABILITIES =
  Cap.LONG_PASSWORD |
  Cap.LONG_FLAG |
  Cap.PROTOCOL_41 |
  Cap.TRANSACTIONS |
  Cap.SECURE_CONNECTION |
  Cap.PLUGIN_AUTH |
  Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA;

/** Error codes and SQL states the proxy itself sends. */
export const ErrCode = {
  ER_CON_COUNT_ERROR: 1040,
  ER_HANDSHAKE_ERROR: 1043,
  ER_ACCESS_DENIED_ERROR: 1045,
  ER_UNKNOWN_COM_ERROR: 1047,
  ER_NET_PACKET_TOO_LARGE: 1153,
  ER_NET_PACKETS_OUT_OF_ORDER: 1156,
  ER_UNKNOWN_STMT_HANDLER: 1243,
  ER_OPTION_PREVENTS_STATEMENT: 1290,
  ER_MALFORMED_PACKET: 1835,
  ER_CONNECTION_KILLED: 1927,
  ER_NO_SUCH_THREAD: 1094,
  ER_KILL_DENIED_ERROR: 1095,
  ER_QUERY_INTERRUPTED: 1317,
  ER_LOCK_WAIT_TIMEOUT: 1205,
  ER_NOT_SUPPORTED_YET: 1235,
} as const;
