import type { Socket } from 'node:net';
import { LB_ERRORS, type LbErrorCode, type ProtocolFault } from './errors.js';
import { Exchange } from './exchange.js';
import { lbErrorResponse } from './lb-response.js';
import type { ClientConnection, DataPlane, DeadlineKind, Listener } from './proxy-types.js';
import { parseRequestHead } from './request-head.js';
import { normalizeIp } from './trusted-proxies.js';

/** What the connection's single deadline currently guards. */
/** `cache`: waiting for another request's fetch of the same URL (page cache coalescing). */

const FAR = Number.MAX_SAFE_INTEGER;

/**
 * One client connection: reads request heads with the strict parser, runs one {@link Exchange} at a
 * time (pipelined requests wait in the buffer), and enforces the header deadline (408), the
 * keep-alive timeout and the limits. Every protocol error closes the connection after its response.
 */
export class FrontConnection implements ClientConnection {
  readonly socket: Socket;
  readonly engine: DataPlane;
  readonly listener: Listener;
  readonly peer: string;
  /** The peer is a trusted proxy (its X-Forwarded-* headers are believed). */
  readonly peerTrusted: boolean;
  /** Unconsumed input: a partial head, or pipelined bytes waiting for the current exchange. */
  buf: Buffer | null = null;
  exchange: Exchange | null = null;
  deadline: number;
  kind: DeadlineKind = 'head';
  /** Requests answered on this connection. */
  requests = 0;
  /** The client half-closed its side. */
  clientEnded = false;
  #closing = false;
  #processing = false;
  #paused = false;

  constructor(engine: DataPlane, socket: Socket, listener: Listener) {
    this.engine = engine;
    this.socket = socket;
    this.listener = listener;
    this.peer = normalizeIp(socket.remoteAddress);
    this.peerTrusted = engine.trusted.has(this.peer);
    this.deadline = engine.now + engine.settings.headerTimeoutMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => this.exchange?.onClientDrain());
    socket.on('error', () => {
      // 'close' follows; resets from clients are routine
    });
    socket.on('close', () => this.#onClose());
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return; // lingering: read and drop until the client closes or the deadline
    const ex = this.exchange;
    if (ex !== null) {
      ex.onClientData(chunk);
      return;
    }
    if (this.buf === null) {
      this.buf = chunk;
      if (this.kind === 'idle') {
        this.kind = 'head';
        this.deadline = this.engine.now + this.engine.settings.headerTimeoutMs;
      }
    } else {
      this.buf = Buffer.concat([this.buf, chunk]);
    }
    this.#process();
  }

  /** Parse and start requests from the buffer while no exchange runs. */
  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (this.exchange === null && this.buf !== null && !this.#closing) {
        const r = parseRequestHead(this.buf, this.engine.settings.limits);
        if (r === null) {
          if (this.clientEnded) this.#finishClose();
          return;
        }
        if ('fault' in r) {
          this.reject(r);
          return;
        }
        const rest = this.buf.length > r.headBytes ? this.buf.subarray(r.headBytes) : null;
        this.buf = null;
        const ex = new Exchange(this, r);
        this.exchange = ex;
        ex.start(rest);
      }
      if (this.exchange === null && this.buf === null && this.clientEnded) this.#finishClose();
    } finally {
      this.#processing = false;
    }
  }

  /** Keep bytes that arrived after the current request (pipelining); stop reading if they pile up. */
  stash(chunk: Buffer): void {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.buf.length > this.engine.settings.limits.maxHeaderBytes * 2 && !this.#paused) this.pause();
  }

  pause(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  /** The current exchange has finished writing its response. */
  exchangeDone(keepAlive: boolean): void {
    this.exchange = null;
    this.requests++;
    if (!keepAlive || this.engine.shuttingDown) {
      this.#closeGracefully();
      return;
    }
    this.kind = this.buf === null ? 'idle' : 'head';
    this.deadline = this.engine.now + (this.buf === null ? this.engine.settings.keepAliveTimeoutMs : this.engine.settings.headerTimeoutMs);
    this.resume();
    if (this.buf !== null || this.clientEnded) {
      if (this.#processing) return; // the running loop picks the buffer up
      this.#process();
    }
  }

  /** Answer a protocol error and close. */
  reject(f: ProtocolFault): void {
    const code = f.fault;
    this.engine.metrics.clientErrors.labels({ code }).inc();
    this.engine.logger.info({ code, status: LB_ERRORS[code].status, reason: f.reason, peer: this.peer, listener: this.listener }, 'request refused');
    this.sendAndClose(code);
  }

  sendAndClose(code: LbErrorCode): void {
    if (this.socket.writable) this.socket.write(lbErrorResponse(code, this.engine.settings.instance, true));
    this.#closeGracefully();
  }

  #closeGracefully(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.buf = null;
    this.resume();
    this.socket.end();
    this.kind = 'closing';
    this.deadline = this.engine.now + 2000;
  }

  #finishClose(): void {
    if (this.exchange === null) this.#closeGracefully();
  }

  #onEnd(): void {
    this.clientEnded = true;
    if (this.#closing) {
      this.socket.destroy();
      return;
    }
    const ex = this.exchange;
    if (ex !== null) ex.onClientEnd();
    else if (this.buf === null) this.#closeGracefully();
    else this.#process();
  }

  #onClose(): void {
    this.#closing = true;
    const ex = this.exchange;
    this.exchange = null;
    ex?.abort();
    this.engine.forget(this);
  }

  onDeadline(): void {
    this.deadline = FAR;
    switch (this.kind) {
      case 'head':
        if (this.buf !== null && this.buf.length > 0) {
          this.reject({ fault: 'LB_ERR_HEADER_TIMEOUT', reason: 'request head not complete within the header timeout' });
        } else if (this.requests === 0 && this.buf !== null) {
          this.reject({ fault: 'LB_ERR_HEADER_TIMEOUT', reason: 'no request within the header timeout' });
        } else {
          this.destroy();
        }
        return;
      case 'idle':
      case 'closing':
        this.destroy();
        return;
      default:
        this.exchange?.onTimeout(this.kind);
    }
  }

  onShutdown(): void {
    if (this.exchange === null && (this.buf === null || this.buf.length === 0)) this.#closeGracefully();
    // a busy connection closes after its current response (exchangeDone sees shuttingDown)
  }

  setDeadline(kind: DeadlineKind, ms: number): void {
    this.kind = kind;
    this.deadline = this.engine.now + ms;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
