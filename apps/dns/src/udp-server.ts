import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@scaleout/service';
import { TRANSPORT_UDP, type AnswerEngine } from './answer-engine.js';
import { DropIndex } from './dns-stats.js';
import { ListenError } from './errors.js';
import { FAILED, publicSend, QUEUED, verifiedFastSend, type UdpSendFn } from './udp-fast-send.js';

export interface UdpServerOptions {
  host: string;
  port: number;
  engine: AnswerEngine;
  logger: Logger;
  /** SO_RCVBUF / SO_SNDBUF in bytes (the kernel caps them at net.core.rmem_max / wmem_max). */
  bufferSize?: number;
  /** Send through the socket's libuv handle (see {@link fastSend}); falls back to `socket.send`. */
  fastSend?: boolean;
  /** Time one query in this many for the latency histogram (reading the clock is not free). Default 16. */
  latencySampleEvery?: number;
}

/** Logs an unexpected exception at most this often. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * DNS over UDP: one socket, one `message` listener (created once, no per-query closures). Each
 * datagram is answered synchronously into the engine's reply buffer and sent.
 */
export class UdpServer {
  readonly socket: dgram.Socket;
  #sendMode: 'fast' | 'public' = 'public';
  #port = 0;
  #closed = false;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
  }

  /** How replies are sent: `fast` (libuv handle, checked at start) or `public` (`socket.send`). */
  get sendMode(): 'fast' | 'public' {
    return this.#sendMode;
  }

  get port(): number {
    return this.#port;
  }

  static async listen(options: UdpServerOptions): Promise<UdpServer> {
    const { engine, logger } = options;
    const bufferSize = options.bufferSize ?? 1 << 20;
    const socket = dgram.createSocket({
      type: isIPv6(options.host) ? 'udp6' : 'udp4',
      recvBufferSize: bufferSize,
      sendBufferSize: bufferSize,
      // Replies go to the IP literal the query came from: resolve it synchronously, no DNS lookup and no tick.
      lookup: (address, _opts, callback) => callback(null, address, isIPv6(address) ? 6 : 4),
    });
    let send: UdpSendFn = publicSend(socket);
    const server = new UdpServer(socket);
    const stats = engine.stats;
    let lastErrorLog = 0;

    const handle = (msg: Buffer, port: number, address: string): void => {
      try {
        const n = engine.answer(msg, TRANSPORT_UDP);
        if (n !== 0) {
          const rc = send(engine.out, 2, n, port, address);
          if (rc === QUEUED) engine.out = Buffer.allocUnsafe(engine.out.length);
          else if (rc === FAILED) stats.dropped[DropIndex.send_error]!++;
        }
      } catch (err) {
        stats.dropped[DropIndex.internal_error]!++;
        if (server.#sendMode === 'fast') {
          // Never again: fall back to the public API for good.
          send = publicSend(socket);
          server.#sendMode = 'public';
          logger.warn({ err }, 'UDP fast send failed: switching to socket.send');
        }
        const now = Date.now();
        if (now - lastErrorLog > ERROR_LOG_INTERVAL_MS) {
          lastErrorLog = now;
          logger.error({ err }, 'unexpected error answering a UDP query');
        }
      }
    };
    const sampleEvery = Math.max(1, options.latencySampleEvery ?? 16);
    let countdown = sampleEvery;
    socket.on('message', (msg, rinfo) => {
      if (--countdown !== 0) {
        handle(msg, rinfo.port, rinfo.address);
        return;
      }
      countdown = sampleEvery;
      const t0 = performance.now();
      handle(msg, rinfo.port, rinfo.address);
      stats.observeLatency(TRANSPORT_UDP, (performance.now() - t0) / 1000);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(new ListenError(`cannot listen on udp ${options.host}:${options.port}: ${err.message}`, err));
        socket.once('error', onError);
        socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
          socket.off('error', onError);
          resolve();
        });
      });
    } catch (err) {
      try {
        socket.close();
      } catch {
        // already closed
      }
      throw err;
    }
    socket.on('error', (err) => {
      if (!server.#closed) logger.warn({ err }, 'UDP socket error');
    });
    server.#port = socket.address().port;
    if (options.fastSend) {
      const fast = await verifiedFastSend(socket);
      if (fast) {
        send = fast;
        server.#sendMode = 'fast';
      } else {
        logger.info('UDP fast send is not available on this Node version: using socket.send');
      }
    }
    return server;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
