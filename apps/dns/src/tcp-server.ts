import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@scaleout/service';
import { TRANSPORT_TCP, type AnswerEngine } from './answer-engine.js';
import { DropIndex } from './dns-stats.js';
import { ListenError } from './errors.js';

export interface TcpServerOptions {
  host: string;
  port: number;
  engine: AnswerEngine;
  logger: Logger;
  /** Close a connection idle this long (RFC 7766 §6.2.3). Default 10 s. */
  idleTimeoutMs?: number;
  /** Connections beyond this are closed at once. Default 256. */
  maxConnections?: number;
  /** Stop reading from a client whose unread replies exceed this many bytes. Default 256 KiB. */
  maxPendingBytes?: number;
  /** Time one query in this many for the latency histogram. Default 16. */
  latencySampleEvery?: number;
}

const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * DNS over TCP (RFC 7766): 2-byte length-prefixed messages, any number per connection (pipelining;
 * replies in query order), idle timeout, a connection limit, and backpressure when a client does
 * not read its replies. A frame is assembled in a buffer of exactly its announced size, so memory
 * per connection is bounded by 64 KiB plus the pending-reply limit; a prefix below 12 bytes (no room
 * for a header) closes the connection.
 */
export class TcpServer {
  readonly server: net.Server;
  readonly connections = new Set<net.Socket>();
  #port = 0;

  private constructor(server: net.Server) {
    this.server = server;
  }

  get port(): number {
    return this.#port;
  }

  static async listen(options: TcpServerOptions): Promise<TcpServer> {
    const { engine, logger } = options;
    const idleMs = options.idleTimeoutMs ?? 10_000;
    const maxConnections = options.maxConnections ?? 256;
    const maxPending = options.maxPendingBytes ?? 256 * 1024;
    const stats = engine.stats;
    let lastErrorLog = 0;
    const server = net.createServer({ noDelay: true });
    const self = new TcpServer(server);

    const sampleEvery = Math.max(1, options.latencySampleEvery ?? 16);
    let countdown = sampleEvery;
    const answer = (socket: net.Socket, msg: Uint8Array): void => {
      const timed = --countdown === 0;
      const t0 = timed ? performance.now() : 0;
      try {
        const n = engine.answer(msg, TRANSPORT_TCP);
        if (n !== 0) {
          const out = engine.out;
          out[0] = n >> 8;
          out[1] = n & 0xff;
          const reply = Buffer.allocUnsafe(n + 2);
          out.copy(reply, 0, 0, n + 2);
          socket.write(reply);
        }
      } catch (err) {
        stats.dropped[DropIndex.internal_error]!++;
        const now = Date.now();
        if (now - lastErrorLog > ERROR_LOG_INTERVAL_MS) {
          lastErrorLog = now;
          logger.error({ err }, 'unexpected error answering a TCP query');
        }
      }
      if (timed) {
        countdown = sampleEvery;
        stats.observeLatency(TRANSPORT_TCP, (performance.now() - t0) / 1000);
      }
    };

    server.on('connection', (socket) => {
      if (self.connections.size >= maxConnections) {
        stats.dropped[DropIndex.tcp_limit]!++;
        socket.destroy();
        return;
      }
      self.connections.add(socket);
      socket.setTimeout(idleMs);
      socket.on('timeout', () => socket.destroy());
      socket.on('error', () => {
        // resets and the like: the socket closes; nothing to report per connection
      });
      socket.on('close', () => self.connections.delete(socket));

      let prefixHigh = -1; // first byte of a length prefix split across chunks
      let frame: Buffer | null = null; // message being assembled
      let filled = 0;
      const badFrame = () => {
        stats.dropped[DropIndex.tcp_frame]!++;
        socket.destroy();
      };

      socket.on('data', (chunk: Buffer) => {
        socket.cork();
        let i = 0;
        const len = chunk.length;
        while (i < len && !socket.destroyed) {
          if (frame === null) {
            let size: number;
            if (prefixHigh < 0) {
              if (len - i < 2) {
                prefixHigh = chunk[i]!;
                i++;
                break;
              }
              size = (chunk[i]! << 8) | chunk[i + 1]!;
              i += 2;
            } else {
              size = (prefixHigh << 8) | chunk[i]!;
              prefixHigh = -1;
              i++;
            }
            if (size < 12) {
              badFrame();
              break;
            }
            if (len - i >= size) {
              // The common case: the whole message is in this chunk.
              answer(socket, chunk.subarray(i, i + size));
              i += size;
              continue;
            }
            frame = Buffer.allocUnsafe(size);
            filled = 0;
          }
          const take = Math.min(frame.length - filled, len - i);
          chunk.copy(frame, filled, i, i + take);
          filled += take;
          i += take;
          if (filled === frame.length) {
            const msg = frame;
            frame = null;
            answer(socket, msg);
          }
        }
        socket.uncork();
        if (socket.writableLength > maxPending && !socket.isPaused()) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      });
    });

    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(new ListenError(`cannot listen on tcp ${options.host}:${options.port}: ${err.message}`, err));
        server.once('error', onError);
        server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } catch (err) {
      server.close();
      throw err;
    }
    server.on('error', (err) => logger.warn({ err }, 'TCP server error'));
    const addr = server.address();
    self.#port = typeof addr === 'object' && addr ? addr.port : options.port;
    return self;
  }

  /** Stops accepting, lets connections flush their replies (up to `graceMs`), then destroys the rest. */
  async close(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.end();
    const timer = setTimeout(() => {
      for (const socket of this.connections) socket.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }
}
