import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';

/** How to reach a MariaDB server as an administrator. */
export interface ServerEndpoint {
  /** Name for messages (db1). */
  name?: string;
  host: string;
  port: number;
  /** Connect over this unix socket instead of TCP (root bootstrap). */
  socketPath?: string;
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
}

export function label(e: ServerEndpoint): string {
  return e.name ?? `${e.host}:${e.port}`;
}

export interface ConnectOptions {
  /** Allow several statements in one query (monitor probes). Default false. */
  multipleStatements?: boolean;
}

/** An administrative connection (mysql2, promise API, multiple statements off unless asked). */
export async function connectAdmin(e: ServerEndpoint, options: ConnectOptions = {}): Promise<Connection> {
  return mysql.createConnection({
    multipleStatements: options.multipleStatements ?? false,
    host: e.socketPath ? undefined : e.host,
    port: e.socketPath ? undefined : e.port,
    socketPath: e.socketPath,
    user: e.user ?? 'root',
    password: e.password ?? '',
    connectTimeout: e.connectTimeoutMs ?? 3000,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/** Runs `fn` with a fresh admin connection and always closes it. */
export async function withAdmin<T>(e: ServerEndpoint, fn: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await connectAdmin(e);
  try {
    return await fn(conn);
  } finally {
    conn.destroy();
  }
}

export async function queryRows<T extends Record<string, unknown>>(c: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await c.query<RowDataPacket[]>(sql, params);
  return rows as unknown as T[];
}
