// Test helpers: send DNS messages over UDP and TCP to a server on loopback.
import dgram from 'node:dgram';
import net from 'node:net';

/** Sends one datagram and resolves with the first reply (rejects after `timeoutMs`). */
export function udpExchange(port: number, msg: Buffer, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP reply within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

/** Sends a datagram and resolves true when no reply comes within `waitMs`. */
export function udpNoReply(port: number, msg: Buffer, waitMs = 300, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(true);
    }, waitMs);
    s.on('message', () => {
      clearTimeout(timer);
      s.close();
      resolve(false);
    });
    s.send(msg, port, host);
  });
}

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** A TCP connection that splits the byte stream into length-prefixed DNS messages. */
export class TcpDnsClient {
  readonly socket: net.Socket;
  readonly messages: Buffer[] = [];
  closed = false;
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 2) {
        const len = this.#buf.readUInt16BE(0);
        if (this.#buf.length < 2 + len) break;
        this.messages.push(Buffer.from(this.#buf.subarray(2, 2 + len)));
        this.#buf = this.#buf.subarray(2 + len);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpDnsClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new TcpDnsClient(s)));
      s.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once `n` messages have arrived in total (rejects on timeout or close). */
  async waitFor(n: number, timeoutMs = 3000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      if (this.closed) throw new Error(`connection closed after ${this.messages.length} of ${n} messages`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.messages.length} of ${n} messages within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages.slice(0, n);
  }

  /** Resolves when the server closes the connection (rejects after `timeoutMs`). */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
