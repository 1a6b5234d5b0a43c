import { BackendConn, type BackendUser } from './backend-conn.js';
import type { BackendServer } from './backend-server.js';
import type { Pick } from './balancer.js';
import { cachedResponse } from './cache/cached-response.js';
import { PageCache, type CacheFetch, type CacheWaiter } from './cache/page-cache.js';
import type { CacheObject } from './cache/cache-object.js';
import { ChunkedParser } from './chunked-parser.js';
import { isFault, type LbErrorCode } from './errors.js';
import { lbErrorResponse, redirectResponse } from './lb-response.js';
import type { Pool, QueueWaiter } from './pool.js';
import type { ClientConnection, DataPlane, DeadlineKind } from './proxy-types.js';
import type { RequestHead } from './request-head.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

const enum Phase {
  /** Picking a server or waiting in the queue. */
  Pending,
  Connecting,
  /** Request head sent, waiting for the response head. */
  Waiting,
  /** Forwarding the response body. */
  Body,
  Tunnel,
  Done,
}

/** Request headers never forwarded as they are: hop-by-hop, framing, and those the LB rewrites. */
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Body bytes up to which a head and the body after it are copied into one buffer for one write. */
const JOIN_LIMIT = 64 * 1024;

/** `head` (latin1) followed by `parts` in one buffer. */
function joinHead(head: string, parts: Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(head.length + bytes);
  let at = out.write(head, 0, 'latin1');
  for (const p of parts) at += p.copy(out, at);
  return out;
}

/**
 * One request/response through the LB: route, pick (sticky cookie, algorithm, queue), send on a
 * pooled backend connection, forward the response with its framing tracked, retry when allowed.
 */
export class Exchange implements BackendUser, QueueWaiter, CacheWaiter {
  readonly conn: ClientConnection;
  readonly head: RequestHead;
  readonly engine: DataPlane;
  pool!: Pool;
  server: BackendServer | null = null;
  backend: BackendConn | null = null;
  #phase = Phase.Pending;
  readonly #started = performance.now();
  // request body
  #bodyRemaining = 0;
  #chunks: ChunkedParser | null = null;
  #bodyDone = true;
  /** Body bytes not yet written to the current backend. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Every body byte so far, for a replay on another server (null once over the retry buffer). */
  #replay: Buffer[] | null = [];
  #replayBytes = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  // response
  #rbuf: Buffer | null = null;
  #resp: ResponseHead | null = null;
  #respRemaining = 0;
  #respChunks: ChunkedParser | null = null;
  #gotResponseBytes = false;
  #responseStarted = false;
  #backendReusable = true;
  #closeAfter = false;
  #status = 0;
  // selection
  #tried: Set<BackendServer> | null = null;
  #attempts = 0;
  #lastFailure: LbErrorCode = 'LB_ERR_NO_SERVER';
  #pinned: BackendServer | null = null;
  #setCookie = false;
  #cookieRest: string | null = null;
  #clientIp = '';
  #hashKey: string | undefined;
  #reused = false;
  // page cache
  /** On a cached route: the answer gets X-Cache and the upstream X-Cache is renamed. */
  #cacheRoute = false;
  #cacheFetch: CacheFetch | null = null;
  /** Key of the fetch this exchange waits for (coalescing). */
  #waitingKey: string | null = null;
  // QueueWaiter
  deadline = 0;
  done = false;

  constructor(conn: ClientConnection, head: RequestHead) {
    this.conn = conn;
    this.head = head;
    this.engine = conn.engine;
  }

  start(rest: Buffer | null): void {
    const h = this.head;
    const e = this.engine;
    const s = e.settings;
    this.conn.setDeadline('client', s.clientTimeoutMs);
    if (s.httpsRedirectPort !== null && this.conn.listener === 'http') {
      const port = s.httpsRedirectPort === 443 ? '' : `:${s.httpsRedirectPort}`;
      const host = h.hostname.includes(':') && !h.hostname.startsWith('[') ? `[${h.hostname}]` : h.hostname;
      this.#closeAfter = h.close || h.contentLength > 0 || h.chunked;
      this.#phase = Phase.Done;
      this.conn.socket.write(redirectResponse(`https://${host || 'localhost'}${port}${h.target}`, s.instance, this.#closeAfter));
      this.conn.exchangeDone(!this.#closeAfter);
      return;
    }
    this.pool = e.router.route(h.hostname, h.target);
    if (h.contentLength > s.maxBodyBytes) {
      this.#clientFault('LB_ERR_BODY_TOO_LARGE', `Content-Length ${h.contentLength} over ${s.maxBodyBytes}`);
      return;
    }
    if (h.chunked) {
      this.#chunks = new ChunkedParser(s.maxBodyBytes, s.limits.maxHeaderBytes);
      this.#bodyDone = false;
    } else if (h.contentLength > 0) {
      this.#bodyRemaining = h.contentLength;
      this.#bodyDone = false;
    }
    if (h.upgrade !== null && (h.upgrade !== 'websocket' || h.method !== 'GET' || !this.#bodyDone)) h.upgrade = null;
    const xffAt = h.names.indexOf('x-forwarded-for');
    this.#clientIp = this.conn.peerTrusted && xffAt >= 0 ? e.trusted.clientIp(this.conn.peer, h.values[xffAt]!) : this.conn.peer;

    if (e.sticky !== null) {
      const read = e.sticky.read(h.cookie);
      this.#cookieRest = read.rest;
      if (read.value !== null) {
        const id = e.sticky.verify(read.value);
        const srv = id === null ? undefined : this.pool.byCookieId(id);
        if (srv !== undefined && srv.stickable && !(srv.adminState === 'drain' && e.sticky.options.moveDraining)) {
          this.#pinned = srv;
        } else {
          this.#setCookie = true;
          if (srv !== undefined) this.#redispatched();
        }
      } else {
        this.#setCookie = true;
      }
    }
    if (this.pool.balancer.algorithm === 'hash') this.#hashKey = this.#hashKeyOf();

    const cache = e.cache;
    if (cache !== null) {
      if (h.method === 'PURGE') {
        this.#purge(cache, rest);
        return;
      }
      if (cache.covers(this.pool.name, h.target)) {
        this.#cacheRoute = true;
        if (this.#cacheLookup(cache, rest, true)) return;
      }
    }

    if (rest !== null) {
      this.onClientData(rest);
      if (this.#phase === Phase.Done) return;
    }
    this.#acquire();
  }

  #hashKeyOf(): string | undefined {
    const src = this.pool.options.hashKey;
    if (src.kind === 'source') return this.#clientIp;
    const h = this.head;
    if (src.kind === 'header') {
      const i = h.names.indexOf(src.name);
      return i < 0 ? undefined : h.values[i];
    }
    const prefix = `${src.name}=`;
    for (const part of h.cookie.split(';')) {
      const p = part.trim();
      if (p.startsWith(prefix)) return p.slice(prefix.length);
    }
    return undefined;
  }

  // ---- page cache --------------------------------------------------------------------------------

  /** Look the request up; true when it is answered from the cache or waits for another fetch. */
  #cacheLookup(cache: PageCache, rest: Buffer | null, coalesce: boolean): boolean {
    const l = cache.lookup(this.head, this.#cookieRest, this.pool, this.engine.now, this, coalesce);
    switch (l.kind) {
      case 'bypass':
        return false;
      case 'fetch':
        this.#cacheFetch = l.fetch;
        return false;
      case 'hit':
        if (rest !== null) this.conn.stash(rest);
        this.#serveCached(l.obj, l.result === 'hit' ? 'HIT' : 'STALE');
        return true;
      default:
        if (rest !== null) this.conn.stash(rest);
        this.#waitingKey = PageCache.keyOf(this.head.host, this.head.target);
        this.conn.setDeadline('cache', cache.settings.waitTimeoutMs);
        return true;
    }
  }

  /** The fetch this exchange waited for ended: look up again (a hit, usually) or go to a server. */
  cacheWake(failed: boolean): void {
    if (this.#phase === Phase.Done || this.#waitingKey === null) return;
    this.#waitingKey = null;
    this.conn.setDeadline('server', this.engine.settings.serverTimeoutMs);
    if (this.#cacheLookup(this.engine.cache!, null, !failed)) return;
    this.#acquire();
  }

  #cacheWaitTimeout(): void {
    const cache = this.engine.cache!;
    cache.unwait(this.#waitingKey!, this);
    this.#waitingKey = null;
    cache.metrics.waitTimeouts.labels({ pool: this.pool.name }).inc();
    this.conn.setDeadline('server', this.engine.settings.serverTimeoutMs);
    if (this.#cacheLookup(cache, null, false)) return;
    this.#acquire();
  }

  #cacheBytes(obj: CacheObject, xcache: string, close: boolean): Buffer {
    const e = this.engine;
    return cachedResponse(obj, this.head, e.now, xcache, e.settings.via ? e.settings.instance : null, close);
  }

  /** Answer from the cache without a server. */
  #serveCached(obj: CacheObject, xcache: string): void {
    const e = this.engine;
    const close = this.head.close || this.conn.clientEnded || e.shuttingDown || !this.#bodyDone;
    this.#phase = Phase.Done;
    this.done = true;
    this.conn.socket.write(this.#cacheBytes(obj, xcache, close));
    this.conn.exchangeDone(!close);
  }

  /**
   * A server answered a cache fetch: a 304 to our validators or a 5xx with a stale object allowed
   * (stale-if-error, grace) is answered from the cache (true); otherwise capture starts when the
   * answer may be stored.
   */
  #cacheAnswer(f: CacheFetch, r: ResponseHead, rest: Buffer | null): boolean {
    const cache = this.engine.cache!;
    const now = this.engine.now;
    let serve: CacheObject | null = null;
    let xcache = 'STALE';
    if (r.status === 304 && f.stale !== null && f.stale.hasValidators) {
      // the stored body answers even when the refreshed headers no longer allow storing it
      cache.revalidated(f.stale, r.rawNames, r.names, r.values, f.requestMs, now);
      serve = f.stale;
      xcache = 'REVALIDATED';
      cache.metrics.count(f.pool, 'revalidated');
    } else if (r.status >= 500) {
      serve = cache.staleForError(f, now);
    }
    if (serve !== null) {
      this.#cacheFetch = null;
      cache.abandon(f, false);
      if (rest !== null || r.framing !== 'none') this.#backendReusable = false;
      this.pool.recordResult(this.server!, r.status < 500);
      this.conn.socket.write(this.#cacheBytes(serve, xcache, this.#closeAfter));
      this.#finish();
      return true;
    }
    if (r.framing === 'close') cache.notStored(f);
    else cache.begin(f, r.status, r, r.framing === 'length' ? r.contentLength : r.framing === 'chunked' ? -1 : 0, now);
    return false;
  }

  /** Method PURGE: the admin token removes every variant of the URL; without it 403; on a route without cache 405. */
  #purge(cache: PageCache, rest: Buffer | null): void {
    const h = this.head;
    if (rest !== null) this.onClientData(rest);
    if (!this.#bodyDone) {
      this.#clientFault('LB_ERR_BAD_REQUEST', 'PURGE with a body');
      return;
    }
    const e = this.engine;
    const close = h.close || this.conn.clientEnded || e.shuttingDown;
    this.#phase = Phase.Done;
    this.done = true;
    const ai = h.names.indexOf('authorization');
    let out: Buffer;
    if (!cache.caches(this.pool.name)) out = lbErrorResponse('LB_ERR_PURGE_NOT_ALLOWED', e.settings.instance, close);
    else if (!cache.purgeAuthorized(ai < 0 ? undefined : h.values[ai])) out = lbErrorResponse('LB_ERR_PURGE_FORBIDDEN', e.settings.instance, close);
    else {
      const n = cache.purgeUrl(`http://${h.host}${h.target}`, 'method');
      const body = `{"purged":${n}}\n`;
      out = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\nX-Served-By: ${e.settings.instance}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`, 'latin1');
    }
    this.conn.socket.write(out);
    this.conn.exchangeDone(!close);
  }

  // ---- selection -------------------------------------------------------------------------------

  pick(): Pick {
    const p = this.#pinned;
    if (p !== null) {
      if (!p.removed && p.stickable && (this.#tried === null || !this.#tried.has(p))) return p.full ? 'full' : p;
      this.#pinned = null;
      this.#setCookie = true;
      this.#redispatched();
    }
    const e = this.engine;
    if (e.sticky !== null && e.settings.stickySourceFallback) return this.pool.balancer.pickHashed(this.#clientIp, this.#tried);
    return this.pool.balancer.pick(this.#hashKey, this.#tried);
  }

  #acquire(): void {
    const r = this.pick();
    if (r === null) {
      this.#respondError(this.#tried === null ? 'LB_ERR_NO_SERVER' : this.#lastFailure);
      return;
    }
    if (r === 'full') {
      this.deadline = this.engine.now + this.engine.settings.queueTimeoutMs;
      this.done = false;
      if (!this.pool.enqueue(this)) this.#respondError('LB_ERR_QUEUE_FULL');
      return;
    }
    this.pool.take(r);
    this.granted(r);
  }

  granted(server: BackendServer): void {
    if (this.#phase === Phase.Done) {
      this.pool.release(server);
      return;
    }
    this.server = server;
    this.#attempts++;
    server.counters.requests++;
    const c = BackendConn.takeIdle(server, this);
    if (c !== null) {
      this.backend = c;
      this.#reused = true;
      this.#sendRequest();
    } else {
      this.#reused = false;
      this.#phase = Phase.Connecting;
      this.backend = new BackendConn(server, this.engine.settings.connectTimeoutMs, this);
    }
  }

  failed(code: LbErrorCode): void {
    this.#respondError(code);
  }

  #redispatched(): void {
    this.pool.redispatches++;
    this.engine.metrics.redispatches.labels({ pool: this.pool.name }).inc();
  }

  // ---- request -----------------------------------------------------------------------------------

  onBackendConnect(): void {
    if (this.#phase === Phase.Connecting) this.#sendRequest();
  }

  #sendRequest(): void {
    const b = this.backend!;
    const sock = b.socket;
    const head = this.#requestHead(this.server!);
    this.#phase = Phase.Waiting;
    this.#gotResponseBytes = false;
    const n = head.length + this.#pendingBytes;
    let ok: boolean;
    if (this.#pending.length === 0) ok = sock.write(head, 'latin1');
    else if (this.#pendingBytes <= JOIN_LIMIT) ok = sock.write(joinHead(head, this.#pending, this.#pendingBytes));
    else {
      sock.cork();
      sock.write(head, 'latin1');
      ok = true;
      for (const c of this.#pending) ok = sock.write(c);
      sock.uncork();
    }
    this.#bytesIn += n;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!ok) this.conn.pause();
    else this.conn.resume();
    this.#refreshDeadline();
  }

  #requestHead(server: BackendServer): string {
    const h = this.head;
    const e = this.engine;
    const s = e.settings;
    let out = `${h.method} ${h.target} HTTP/1.1\r\n`;
    const names = h.names;
    const values = h.values;
    const raw = h.rawNames;
    const extraHop = h.connectionTokens;
    const sticky = e.sticky !== null;
    const trusted = this.conn.peerTrusted;
    let xff: string | null = null;
    let xfp: string | null = null;
    let xfh: string | null = null;
    let hasHost = false;
    const cf = this.#cacheFetch;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (DROP_REQUEST.has(n)) {
        if (trusted) {
          if (n === 'x-forwarded-for') xff = xff === null ? values[i]! : `${xff}, ${values[i]}`;
          else if (n === 'x-forwarded-proto') xfp = values[i]!;
          else if (n === 'x-forwarded-host') xfh = values[i]!;
        }
        continue;
      }
      if (extraHop !== null && extraHop.includes(n)) continue;
      if (n === 'cookie' && sticky) continue;
      if (cf !== null && (n === 'if-none-match' || n === 'if-modified-since')) continue;
      if (n === 'host') hasHost = true;
      out += `${raw[i]}: ${values[i]}\r\n`;
    }
    if (sticky && this.#cookieRest !== null) out += `Cookie: ${this.#cookieRest}\r\n`;
    if (cf !== null && cf.stale !== null && h.method === 'GET') {
      const f = cf.stale.freshness;
      if (f.etag !== null) out += `If-None-Match: ${f.etag}\r\n`;
      if (f.lastModified !== null) out += `If-Modified-Since: ${new Date(f.lastModified).toUTCString()}\r\n`;
    }
    if (!hasHost) out += `Host: ${h.host || server.address}\r\n`;
    const peer = this.conn.peer;
    out += `X-Forwarded-For: ${xff === null ? peer : `${xff}, ${peer}`}\r\n`;
    out += `X-Forwarded-Proto: ${xfp ?? (this.conn.listener === 'https' ? 'https' : 'http')}\r\n`;
    if (xfh !== null || h.host !== '') out += `X-Forwarded-Host: ${xfh ?? h.host}\r\n`;
    if (s.via) out += `Via: 1.${h.minor} ${s.instance}\r\n`;
    if (h.chunked) out += 'Transfer-Encoding: chunked\r\n';
    else if (h.contentLength >= 0) out += `Content-Length: ${h.contentLength}\r\n`;
    if (h.upgrade !== null) out += `Connection: Upgrade\r\nUpgrade: ${h.upgrade}\r\n`;
    return out + '\r\n';
  }

  /** Bytes from the client while this exchange runs: its body, then pipelined requests. */
  onClientData(chunk: Buffer): void {
    if (this.#phase === Phase.Tunnel) {
      const b = this.backend;
      if (b !== null && !b.socket.write(chunk)) this.conn.pause();
      this.conn.setDeadline('tunnel', this.engine.settings.tunnelTimeoutMs);
      return;
    }
    if (this.#bodyDone) {
      this.conn.stash(chunk);
      return;
    }
    let used: number;
    const cp = this.#chunks;
    if (cp !== null) {
      const r = cp.push(chunk, 0, chunk.length);
      if (r < 0) {
        this.#clientFault(cp.tooLarge ? 'LB_ERR_BODY_TOO_LARGE' : 'LB_ERR_BAD_CHUNK', cp.error);
        return;
      }
      used = r;
      if (cp.done) this.#bodyDone = true;
    } else {
      used = Math.min(this.#bodyRemaining, chunk.length);
      this.#bodyRemaining -= used;
      if (this.#bodyRemaining === 0) this.#bodyDone = true;
    }
    if (used > 0) this.#forwardBody(used === chunk.length ? chunk : chunk.subarray(0, used));
    if (used < chunk.length) this.conn.stash(chunk.subarray(used));
    this.#refreshDeadline();
  }

  #forwardBody(part: Buffer): void {
    if (this.#replay !== null) {
      if (this.#replayBytes + part.length <= this.engine.settings.retryBufferBytes) {
        this.#replay.push(part);
        this.#replayBytes += part.length;
      } else {
        this.#replay = null;
      }
    }
    const b = this.backend;
    if (b !== null && this.#phase >= Phase.Waiting && this.#phase !== Phase.Done) {
      this.#bytesIn += part.length;
      if (!b.socket.write(part)) this.conn.pause();
    } else if (this.#phase !== Phase.Done) {
      this.#pending.push(part);
      this.#pendingBytes += part.length;
      if (this.#pendingBytes > this.engine.settings.retryBufferBytes) this.conn.pause();
    }
  }

  onClientEnd(): void {
    if (this.#phase === Phase.Tunnel) {
      this.backend?.socket.end();
      return;
    }
    if (!this.#bodyDone) {
      // the client gave up sending its body
      this.abort();
      this.conn.destroy();
      return;
    }
    this.#closeAfter = true;
  }

  onClientDrain(): void {
    this.backend?.socket.resume();
  }

  onBackendDrain(): void {
    this.conn.resume();
  }

  #refreshDeadline(): void {
    const s = this.engine.settings;
    if (this.#bodyDone) this.conn.setDeadline('server', s.serverTimeoutMs);
    else this.conn.setDeadline('client', s.clientTimeoutMs);
  }

  // ---- response ----------------------------------------------------------------------------------

  onBackendData(chunk: Buffer): void {
    this.#bytesOut += chunk.length;
    switch (this.#phase) {
      case Phase.Waiting:
        this.#gotResponseBytes = true;
        this.#rbuf = this.#rbuf === null ? chunk : Buffer.concat([this.#rbuf, chunk]);
        this.#parseResponse();
        break;
      case Phase.Body:
        this.#forwardResponseBody(chunk);
        break;
      case Phase.Tunnel:
        if (!this.conn.socket.write(chunk)) this.backend?.socket.pause();
        this.conn.setDeadline('tunnel', this.engine.settings.tunnelTimeoutMs);
        break;
      default:
        // bytes after the end of a response: this connection cannot be trusted any more
        this.#backendReusable = false;
    }
  }

  #parseResponse(): void {
    for (;;) {
      const buf = this.#rbuf!;
      const r = parseResponseHead(buf, this.engine.settings.maxResponseHeadBytes, this.head.method);
      if (r === null) return;
      if (isFault(r)) {
        this.engine.logger.warn({ pool: this.pool.name, server: this.server?.name, reason: r.reason }, 'malformed response from server');
        this.pool.recordResult(this.server!, false);
        this.#respondError('LB_ERR_BAD_RESPONSE');
        return;
      }
      const rest = buf.length > r.headBytes ? buf.subarray(r.headBytes) : null;
      if (r.status < 200 && r.status !== 101) {
        // interim response (100 Continue, 103 Early Hints): pass on to HTTP/1.1 clients
        if (this.head.minor === 1) {
          this.#responseStarted = true;
          this.conn.socket.write(this.#responseHead(r, null), 'latin1');
        }
        this.#rbuf = rest;
        if (rest === null) return;
        continue;
      }
      this.#rbuf = null;
      if (r.status === 101) {
        if (this.head.upgrade === null) {
          this.#respondError('LB_ERR_BAD_RESPONSE');
          return;
        }
        this.#tunnel(r, rest);
        return;
      }
      if ((r.status === 502 || r.status === 503) && this.#mayRetry('status')) {
        this.#retry('status');
        return;
      }
      this.#startResponse(r, rest);
      return;
    }
  }

  #startResponse(r: ResponseHead, rest: Buffer | null): void {
    this.#resp = r;
    this.#status = r.status;
    this.#phase = Phase.Body;
    this.#responseStarted = true;
    const h = this.head;
    if (h.close || r.framing === 'close' || !this.#bodyDone || this.engine.shuttingDown || this.conn.clientEnded) this.#closeAfter = true;
    const cf = this.#cacheFetch;
    if (cf !== null && this.#cacheAnswer(cf, r, rest)) return;
    if (r.framing === 'chunked') {
      const decode = h.minor === 0;
      if (decode) this.#closeAfter = true;
      const sock = this.conn.socket;
      const capture = cf !== null && cf.parts !== null ? cf : null;
      const cache = this.engine.cache;
      this.#respChunks = new ChunkedParser(
        Number.MAX_SAFE_INTEGER,
        65536,
        capture !== null
          ? (b, s, e) => {
              cache!.capture(capture, b.subarray(s, e));
              if (decode) void (sock.write(b.subarray(s, e)) || this.backend?.socket.pause());
            }
          : decode
            ? (b, s, e) => void (sock.write(b.subarray(s, e)) || this.backend?.socket.pause())
            : undefined,
      );
    } else if (r.framing === 'length') {
      this.#respRemaining = r.contentLength;
    }
    const sock = this.conn.socket;
    this.pool.recordResult(this.server!, r.status < 500 || r.status === 501 || r.status === 505);
    const head = this.#responseHead(r, this.server);
    if (r.framing === 'none' || (r.framing === 'length' && r.contentLength === 0)) {
      if (rest !== null) this.#backendReusable = false;
      sock.write(head, 'latin1');
      this.#finish();
    } else if (rest !== null && r.framing === 'length' && rest.length <= r.contentLength && rest.length <= JOIN_LIMIT) {
      // The usual small response: head and body in one buffer, one write.
      this.#respRemaining -= rest.length;
      if (cf !== null) this.engine.cache!.capture(cf, rest);
      const ok = sock.write(joinHead(head, [rest], rest.length));
      if (this.#respRemaining === 0) this.#finish();
      else {
        if (!ok) this.backend?.socket.pause();
        this.conn.setDeadline('server', this.engine.settings.serverTimeoutMs);
      }
    } else {
      // Head and the first body bytes leave in one writev.
      sock.cork();
      sock.write(head, 'latin1');
      if (rest !== null) this.#forwardResponseBody(rest);
      sock.uncork();
    }
  }

  #responseHead(r: ResponseHead, server: BackendServer | null): string {
    const h = this.head;
    const e = this.engine;
    let out = `HTTP/1.1 ${r.status} ${r.reason}\r\n`;
    const names = r.names;
    const values = r.values;
    const raw = r.rawNames;
    const sticky = e.sticky;
    const cacheRoute = this.#cacheRoute;
    for (let i = 0; i < names.length; i++) {
      if (sticky !== null && names[i] === 'set-cookie' && sticky.isOwnSetCookie(values[i]!)) continue;
      if (cacheRoute && names[i] === 'x-cache') out += `X-Cache-Upstream: ${values[i]}\r\n`;
      else out += `${raw[i]}: ${values[i]}\r\n`;
    }
    if (server === null) return out + '\r\n'; // interim
    if (cacheRoute) out += this.#cacheFetch === null ? 'X-Cache: BYPASS\r\n' : 'X-Cache: MISS\r\n';
    if (r.framing === 'length') out += `Content-Length: ${r.contentLength}\r\n`;
    else if (r.framing === 'chunked' && h.minor === 1) out += 'Transfer-Encoding: chunked\r\n';
    if (sticky !== null && this.#setCookie) {
      out += `Set-Cookie: ${sticky.setCookie(server.cookieId, this.conn.listener === 'https')}\r\nCache-Control: private\r\n`;
    }
    if (e.settings.via) out += `Via: 1.${r.minor} ${e.settings.instance}\r\n`;
    if (this.#closeAfter) out += 'Connection: close\r\n';
    else if (h.minor === 0) out += 'Connection: keep-alive\r\n';
    return out + '\r\n';
  }

  #forwardResponseBody(buf: Buffer): void {
    const r = this.#resp!;
    const sock = this.conn.socket;
    let ok = true;
    let complete = false;
    if (r.framing === 'length') {
      const n = Math.min(this.#respRemaining, buf.length);
      if (n > 0) {
        const part = n === buf.length ? buf : buf.subarray(0, n);
        ok = sock.write(part);
        if (this.#cacheFetch !== null) this.engine.cache!.capture(this.#cacheFetch, part);
      }
      this.#respRemaining -= n;
      if (n < buf.length) this.#backendReusable = false;
      complete = this.#respRemaining === 0;
    } else if (r.framing === 'chunked') {
      const p = this.#respChunks!;
      const used = p.push(buf, 0, buf.length);
      if (used < 0) {
        this.engine.logger.warn({ pool: this.pool.name, server: this.server?.name, reason: p.error }, 'malformed chunked body from server');
        this.#cut();
        return;
      }
      if (this.head.minor === 1 && used > 0) ok = sock.write(used === buf.length ? buf : buf.subarray(0, used));
      if (used < buf.length) this.#backendReusable = false;
      complete = p.done;
    } else {
      ok = sock.write(buf);
    }
    if (complete) this.#finish();
    else {
      if (!ok) this.backend?.socket.pause();
      this.conn.setDeadline('server', this.engine.settings.serverTimeoutMs);
    }
  }

  onBackendEnd(): void {
    if (this.#phase === Phase.Body && this.#resp!.framing === 'close') {
      this.#backendReusable = false;
      this.#finish();
    } else if (this.#phase === Phase.Tunnel) {
      this.conn.socket.end();
    }
    // otherwise 'close' follows and decides
  }

  onBackendClose(err: Error | undefined): void {
    const server = this.server!;
    this.backend = null;
    switch (this.#phase) {
      case Phase.Connecting:
        this.#connectionError(server, err, 'connect');
        break;
      case Phase.Waiting:
        if (!this.#gotResponseBytes) this.#connectionError(server, err, 'reset');
        else {
          this.pool.recordResult(server, false);
          this.#respondError('LB_ERR_BAD_RESPONSE');
        }
        break;
      case Phase.Body:
        if (this.#resp!.framing === 'close' && err === undefined) this.#finish();
        else this.#cut();
        break;
      case Phase.Tunnel:
        this.#phase = Phase.Done;
        this.pool.release(server);
        this.conn.socket.end();
        break;
      default:
        break;
    }
  }

  #connectionError(server: BackendServer, err: Error | undefined, kind: 'connect' | 'reset'): void {
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNRESET';
    // A reused keep-alive connection closed by the server is not the server's fault.
    const stale = kind === 'reset' && this.#reused;
    if (!stale) {
      server.counters.connectionErrors++;
      this.engine.metrics.connectionErrors.labels({ pool: this.pool.name, server: server.name }).inc();
      this.pool.recordResult(server, false);
    }
    this.#lastFailure = 'LB_ERR_BAD_GATEWAY';
    if (this.#mayRetry(kind)) {
      this.#retry(kind);
      return;
    }
    this.engine.logger.warn({ pool: this.pool.name, server: server.name, error: code, kind, method: this.head.method, attempts: this.#attempts }, 'request failed on server');
    this.#respondError('LB_ERR_BAD_GATEWAY');
  }

  #mayRetry(kind: 'connect' | 'reset' | 'status'): boolean {
    if (this.#responseStarted || this.#phase === Phase.Done) return false;
    if (this.#attempts > this.engine.settings.retries) return false;
    if (performance.now() - this.#started > this.engine.settings.retryTimeoutMs) return false;
    const nothingSent = kind === 'connect';
    if (!nothingSent && this.#replay === null) return false;
    if (kind === 'connect') return true;
    const h = this.head;
    return SAFE_METHODS.has(h.method) || h.idempotencyKey;
  }

  #retry(kind: string): void {
    const server = this.server!;
    server.counters.retries++;
    this.engine.metrics.retries.labels({ pool: this.pool.name, server: server.name }).inc();
    this.backend?.destroy();
    this.backend = null;
    this.server = null;
    this.pool.release(server);
    (this.#tried ??= new Set()).add(server);
    if (this.#pinned === server) {
      this.#pinned = null;
      this.#setCookie = true;
      this.#redispatched();
    }
    this.#rbuf = null;
    this.#gotResponseBytes = false;
    this.#backendReusable = true;
    if (kind !== 'connect' && this.#replay !== null) {
      this.#pending = this.#replay.slice();
      this.#pendingBytes = this.#replayBytes;
    }
    this.#phase = Phase.Pending;
    this.#acquire();
  }

  #tunnel(r: ResponseHead, rest: Buffer | null): void {
    this.#phase = Phase.Tunnel;
    this.#status = 101;
    this.#responseStarted = true;
    let out = `HTTP/1.1 101 ${r.reason}\r\n`;
    for (let i = 0; i < r.names.length; i++) out += `${r.rawNames[i]}: ${r.values[i]}\r\n`;
    out += `Connection: Upgrade\r\nUpgrade: ${r.upgrade ?? this.head.upgrade}\r\n\r\n`;
    const sock = this.conn.socket;
    sock.write(out, 'latin1');
    if (rest !== null) sock.write(rest);
    const early = this.conn.buf;
    this.conn.buf = null;
    if (early !== null) this.backend!.socket.write(early);
    this.conn.resume();
    this.conn.setDeadline('tunnel', this.engine.settings.tunnelTimeoutMs);
    this.#observe(this.server!, 101);
  }

  // ---- endings -----------------------------------------------------------------------------------

  #finish(): void {
    if (this.#phase === Phase.Done) return;
    this.#phase = Phase.Done;
    const cf = this.#cacheFetch;
    if (cf !== null) {
      this.#cacheFetch = null;
      const r = this.#resp!;
      this.engine.cache!.complete(cf, r.status, r.reason, r.rawNames, r.names, r.values, this.engine.now);
    }
    const server = this.server!;
    const b = this.backend;
    this.backend = null;
    if (b !== null) {
      if (this.#backendReusable && this.#bodyDone && !this.#resp!.close) {
        b.socket.resume();
        b.release(this.engine.now, this.engine.settings.backendMaxIdle);
      } else b.destroy();
    }
    this.pool.release(server);
    this.#observe(server, this.#status);
    this.conn.exchangeDone(!this.#closeAfter);
  }

  /** Ends the exchange without a reusable backend: drops the backend connection, frees the server slot. */
  #teardown(failed = true): BackendServer | null {
    this.#phase = Phase.Done;
    this.done = true;
    if (this.#cacheFetch !== null) {
      this.engine.cache!.abandon(this.#cacheFetch, failed);
      this.#cacheFetch = null;
    }
    if (this.#waitingKey !== null) {
      this.engine.cache!.unwait(this.#waitingKey, this);
      this.#waitingKey = null;
    }
    this.backend?.destroy();
    this.backend = null;
    const server = this.server;
    if (server !== null) this.pool.release(server);
    return server;
  }

  #observe(server: BackendServer, status: number): void {
    this.engine.metrics.observe(this.pool.name, server, status, (performance.now() - this.#started) / 1000, this.#bytesIn, this.#bytesOut);
  }

  /** The response broke after it started: nothing valid can follow, close the client. */
  #cut(): void {
    if (this.#phase === Phase.Done) return;
    this.#observe(this.#teardown()!, this.#status || 502);
    this.conn.exchange = null;
    this.conn.destroy();
  }

  /** Answer with an LB-generated error (before any response byte reached the client). */
  #respondError(code: LbErrorCode): void {
    if (this.#phase === Phase.Done) return;
    if (this.#responseStarted) {
      this.#cut();
      return;
    }
    const cf = this.#cacheFetch;
    const stale = cf === null ? null : this.engine.cache!.staleForError(cf, this.engine.now);
    this.#teardown();
    if (stale !== null) {
      this.#serveCached(stale, 'STALE');
      return;
    }
    this.engine.metrics.lbResponses.labels({ pool: this.pool.name, code }).inc();
    const close = !this.#bodyDone || this.head.close || this.conn.clientEnded || this.engine.shuttingDown;
    this.conn.socket.write(lbErrorResponse(code, this.engine.settings.instance, close, this.head.method));
    this.conn.exchangeDone(!close);
  }

  /** A malformed or over-limit request body: refuse it (or cut a response already under way). */
  #clientFault(code: LbErrorCode, reason: string): void {
    if (this.#phase === Phase.Done) return;
    this.engine.metrics.clientErrors.labels({ code }).inc();
    this.engine.logger.info({ code, reason, peer: this.conn.peer }, 'request refused');
    if (this.#responseStarted) {
      this.#cut();
      return;
    }
    this.#teardown();
    this.conn.exchange = null;
    this.conn.sendAndClose(code);
  }

  onTimeout(kind: DeadlineKind): void {
    if (this.#phase === Phase.Done) return;
    if (kind === 'tunnel') {
      this.conn.destroy();
      return;
    }
    if (kind === 'cache') {
      if (this.#waitingKey !== null) this.#cacheWaitTimeout();
      return;
    }
    if (this.server !== null && kind === 'server') this.pool.recordResult(this.server, false);
    this.engine.logger.info({ pool: this.pool?.name, server: this.server?.name, kind, peer: this.conn.peer }, 'request timed out');
    if (kind === 'client') this.#clientFault('LB_ERR_BODY_TIMEOUT', 'request body not received within the client timeout');
    else this.#respondError('LB_ERR_SERVER_TIMEOUT');
  }

  /** The client went away. */
  abort(): void {
    if (this.#phase === Phase.Done) return;
    const wasTunnel = this.#phase === Phase.Tunnel;
    const server = this.#teardown(false);
    if (server !== null && !wasTunnel && this.#status === 0) this.#observe(server, 499);
  }
}
