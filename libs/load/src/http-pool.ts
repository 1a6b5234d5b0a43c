import net from 'node:net';
import { ResponseParseError, ResponseParser, type ParsedResponse } from './response-parser.js';
import type { ErrorKind } from './types.js';

/** Called once per request: an error kind, or the response. */
export type RequestCallback = (error: ErrorKind | null, response: ParsedResponse | null) => void;

export interface PoolRequest {
  /** The whole request, head and body. */
  bytes: Buffer;
  /** HEAD: the response has no body. */
  noBody?: boolean;
  /** Safe to send again on a fresh connection when a reused one was closed before any byte came back. */
  idempotent?: boolean;
  /** Called when the bytes are written (at once, or once a connection opens or frees up). */
  onSent?: () => void;
  cb: RequestCallback;
}

export interface HttpPoolOptions {
  host: string;
  port: number;
  /** Most connections open at once. */
  maxConnections: number;
  timeoutMs: number;
  /** Keep response bodies (the shop reads a few); off for `get`. */
  keepBodies?: boolean;
}

/** What happened to a request handed to the pool. */
export type Dispatch = 'sent' | 'opening' | 'queued';

class Connection {
  readonly socket: net.Socket;
  readonly parser: ResponseParser;
  current: PoolRequest | null = null;
  deadline = 0;
  served = 0;
  gotBytes = false;
  connected = false;
  dead = false;

  constructor(
    readonly pool: HttpPool,
    first: PoolRequest,
  ) {
    this.current = first;
    this.parser = new ResponseParser((r) => pool.onResponse(this, r), pool.keepBodies);
    this.socket = net.connect({ host: pool.host, port: pool.port, noDelay: true });
    this.deadline = performance.now() + pool.timeoutMs;
    this.socket.on('connect', () => {
      this.connected = true;
      pool.onConnect(this);
    });
    this.socket.on('data', (d: Buffer) => {
      this.gotBytes = true;
      try {
        this.parser.feed(d);
      } catch (err) {
        pool.onFailure(this, err instanceof ResponseParseError ? 'parse' : 'reset');
      }
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      pool.onFailure(this, this.connected ? 'reset' : 'connect', err);
    });
    this.socket.on('end', () => {
      let complete = false;
      try {
        complete = this.parser.end();
      } catch {
        complete = false;
      }
      if (!complete || this.current) pool.onFailure(this, 'reset');
      else pool.onClosed(this);
    });
    this.socket.on('close', () => {
      if (!this.dead) pool.onFailure(this, this.connected ? 'reset' : 'connect');
    });
  }

  send(req: PoolRequest): void {
    this.current = req;
    this.gotBytes = false;
    this.parser.noBody = req.noBody === true;
    this.deadline = performance.now() + this.pool.timeoutMs;
    this.socket.write(req.bytes);
    req.onSent?.();
  }
}

/**
 * Keep-alive HTTP/1.1 connections to one host:port over raw sockets, one request in flight per
 * connection. A request goes out at once on an idle connection; otherwise a new connection is opened
 * (up to `maxConnections`; the ones opened after the first wave are counted in `extraOpened`), and at
 * the cap it waits in a FIFO queue. A sweep every 10 ms fails requests past their timeout.
 */
export class HttpPool {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly keepBodies: boolean;
  maxConnections: number;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private queue: PoolRequest[] = [];
  private queueHead = 0;
  /** Connections opened in all. */
  opened = 0;
  /** Connections opened because every open one was busy (the open model growing its pool). */
  openedWhileBusy = 0;
  /** Highest number of connections open at once. */
  peakConnections = 0;
  private sweep: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: HttpPoolOptions) {
    this.host = options.host;
    this.port = options.port;
    this.timeoutMs = options.timeoutMs;
    this.maxConnections = options.maxConnections;
    this.keepBodies = options.keepBodies ?? false;
  }

  get size(): number {
    return this.all.size;
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Requests on the wire (or waiting for their connection to open). */
  get busy(): number {
    return this.all.size - this.idle.length;
  }

  request(req: PoolRequest): Dispatch {
    if (this.closed) {
      req.cb('connect', null);
      return 'sent';
    }
    const c = this.idle.pop();
    if (c) {
      c.send(req);
      return 'sent';
    }
    if (this.all.size < this.maxConnections) {
      this.open(req);
      return 'opening';
    }
    this.queue.push(req);
    return 'queued';
  }

  /** Closes every connection; queued requests fail with `connect`. */
  close(): void {
    this.closed = true;
    if (this.sweep) clearInterval(this.sweep);
    for (const c of [...this.all]) {
      const cur = c.current;
      this.drop(c);
      cur?.cb('timeout', null);
    }
    const waiting = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const r of waiting) r.cb('timeout', null);
  }

  private open(req: PoolRequest): void {
    if (this.all.size > 0) this.openedWhileBusy++;
    const c = new Connection(this, req);
    this.opened++;
    this.all.add(c);
    if (this.all.size > this.peakConnections) this.peakConnections = this.all.size;
    if (!this.sweep) {
      this.sweep = setInterval(() => this.checkTimeouts(), 10);
      this.sweep.unref();
    }
  }

  /** @internal */
  onConnect(c: Connection): void {
    const req = c.current;
    if (req) c.send(req);
  }

  /** @internal */
  onResponse(c: Connection, r: ParsedResponse): void {
    const req = c.current;
    c.current = null;
    c.served++;
    if (r.close) this.drop(c);
    req?.cb(null, r);
    if (!r.close && !c.dead) this.release(c);
    else this.refill();
  }

  /** @internal */
  onClosed(c: Connection): void {
    this.drop(c);
    this.refill();
  }

  /** @internal */
  onFailure(c: Connection, kind: ErrorKind, _err?: Error): void {
    if (c.dead) return;
    const req = c.current;
    c.current = null;
    const retry = req !== null && req.idempotent === true && c.served > 0 && !c.gotBytes && kind === 'reset';
    this.drop(c);
    if (req) {
      // A keep-alive connection the server closed while idle: the request never reached it.
      if (retry) this.open({ ...req, idempotent: false, onSent: undefined });
      else req.cb(kind, null);
    }
    this.refill();
  }

  private release(c: Connection): void {
    const next = this.nextQueued();
    if (next) c.send(next);
    else this.idle.push(c);
  }

  private refill(): void {
    while (!this.closed && this.all.size < this.maxConnections) {
      const next = this.nextQueued();
      if (!next) return;
      this.open(next);
    }
  }

  private nextQueued(): PoolRequest | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const r = this.queue[this.queueHead++]!;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return r;
  }

  private drop(c: Connection): void {
    if (c.dead) return;
    c.dead = true;
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    c.socket.destroy();
  }

  private checkTimeouts(): void {
    const now = performance.now();
    for (const c of this.all) {
      if (c.current && now > c.deadline) {
        const req = c.current;
        c.current = null;
        const kind = c.connected ? 'timeout' : 'connect';
        this.drop(c);
        req.cb(kind, null);
      }
    }
    this.refill();
    if (this.all.size === 0 && this.sweep) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }
}
