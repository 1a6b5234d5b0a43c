import net from 'node:net';
import type { BackendServer, IdleConn } from './backend-server.js';

/** What a backend connection reports to the exchange using it. */
export interface BackendUser {
  onBackendConnect(conn: BackendConn): void;
  onBackendData(chunk: Buffer): void;
  onBackendEnd(): void;
  onBackendClose(err: Error | undefined): void;
  onBackendDrain(): void;
}

/**
 * A keep-alive TCP connection to one backend server. It belongs to one exchange at a time and goes
 * back to the server's idle list between requests; bytes or a close while idle just drop it.
 */
export class BackendConn implements IdleConn {
  readonly socket: net.Socket;
  readonly server: BackendServer;
  user: BackendUser | null = null;
  connected = false;
  /** Requests sent on this connection before the current one. */
  uses = 0;
  idleSince = 0;
  closed = false;
  #error: Error | undefined;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(server: BackendServer, connectTimeoutMs: number, user: BackendUser) {
    this.server = server;
    this.user = user;
    server.openConns++;
    const socket = net.connect({ host: server.host, port: server.port, noDelay: true });
    this.socket = socket;
    this.#connectTimer = setTimeout(() => {
      this.#error = Object.assign(new Error(`connect to ${server.address} timed out`), { code: 'ETIMEDOUT' });
      socket.destroy();
    }, connectTimeoutMs);
    socket.on('connect', () => {
      clearTimeout(this.#connectTimer);
      this.connected = true;
      this.user?.onBackendConnect(this);
    });
    socket.on('data', (chunk: Buffer) => {
      const u = this.user;
      if (u !== null) u.onBackendData(chunk);
      else socket.destroy(); // unsolicited bytes on an idle connection: never reuse it
    });
    socket.on('end', () => {
      const u = this.user;
      if (u !== null) u.onBackendEnd();
      else socket.destroy();
    });
    socket.on('drain', () => this.user?.onBackendDrain());
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    socket.on('close', () => {
      clearTimeout(this.#connectTimer);
      this.closed = true;
      server.openConns--;
      const i = server.idle.indexOf(this);
      if (i >= 0) server.idle.splice(i, 1);
      const u = this.user;
      this.user = null;
      u?.onBackendClose(this.#error);
    });
  }

  /** Take an idle connection from `server` that is still open, or null. */
  static takeIdle(server: BackendServer, user: BackendUser): BackendConn | null {
    const idle = server.idle as BackendConn[];
    while (idle.length > 0) {
      const c = idle.pop()!;
      if (c.closed || c.socket.destroyed || !c.socket.writable) {
        c.socket.destroy();
        continue;
      }
      c.user = user;
      c.uses++;
      return c;
    }
    return null;
  }

  /** Back to the server's idle list (or closed when the server is gone or the list is full). */
  release(now: number, maxIdle: number): void {
    this.user = null;
    if (this.closed || this.server.removed || this.server.idle.length >= maxIdle) {
      this.socket.destroy();
      return;
    }
    this.idleSince = now;
    this.server.idle.push(this);
  }

  destroy(): void {
    this.user = null;
    this.socket.destroy();
  }
}
