import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { GtidPosition } from '@scaleout/replication';
import {
  profileOf,
  ResponseKind,
  type BackendConnection,
  type BackendProfile,
  type InternalResult,
  type RelayOutcome,
  type RelaySink,
} from '../backend/backend-connection.js';
import { BackendConnectError, BackendLostError, DbProxyError, NoWriterError, PoolExhaustedError, ReplayError, SessionLostError } from '../errors.js';
import { Cap, Cmd, ErrCode, PROFILE_CAPABILITIES, PROXY_CAPABILITIES, Status } from '../protocol/constants.js';
import { authSwitchPayload, greetingPayload, isSslRequest, readHandshakeResponse } from '../protocol/handshake.js';
import { Reader } from '../protocol/lenenc.js';
import { NATIVE_PASSWORD, newScramble, verifyNativePassword } from '../protocol/native-password.js';
import { PacketReader, PacketTooLargeError, type Message } from '../protocol/packet-reader.js';
import { errPayload, framePackets, okPayload, readOk, readSessionState, type ErrPacket } from '../protocol/packets.js';
import type { ErrorType } from '../proxy-metrics.js';
import type { ReadChoice } from '../routing/cluster.js';
import { classifyQuery, Target, type Classification, type PinReason } from '../sql/classify-query.js';
import { withConnectionId } from './connection-id-result.js';
import { firstTextValue } from './text-result.js';
import type { PreparedStatement } from './prepared-statement.js';
import type { KillResult, ProxyContext } from './proxy-context.js';
import { SessionHistory } from './session-history.js';
import { SessionCache } from '../result-cache/session-cache.js';
import type { CacheRule } from '../result-cache/cache-rules.js';
import type { ResponseScanner } from '../protocol/response-scanner.js';

const enum Phase {
  Handshake,
  Command,
  Closed,
}

/** Where a command goes and whether it may be re-sent elsewhere. */
interface Choice {
  conn: BackendConnection;
  /** 'read': an autocommit read (re-sent when a reader refuses it or dies before answering). 'write': an autocommit write outside a transaction (re-sent when the writer was fenced: ERR 1290 means it did not run). */
  retry: 'read' | 'write' | undefined;
}

const READ_CLS: Classification = { target: Target.Read, multi: false };
const WRITE_CLS: Classification = { target: Target.Write, multi: false };
const PREVIOUS_CLS: Classification = { target: Target.Previous, multi: false };
const HUGE_STATEMENT = 1 << 20;
const GREETING_CHARSET = 45; // utf8mb4_general_ci

const isReadOnlyError = (e: ErrPacket) => e.code === ErrCode.ER_OPTION_PREVENTS_STATEMENT;
/** What a statement stopped by `KILL QUERY` before it reached a backend gets (as from MariaDB). */
const INTERRUPTED: ErrPacket = { code: ErrCode.ER_QUERY_INTERRUPTED, sqlState: '70100', message: 'Query execution was interrupted' };

/**
 * One client connection: the proxy's side of the handshake (mysql_native_password, optional TLS), then
 * a loop over commands. Each command is routed (writer, a reader, or the backend that holds the session's
 * transaction or pinned state), the backend connection is brought up to date (schema, replayed session
 * commands, causal wait), and the command's packets are relayed; only status flags and session-state
 * changes of the response are looked at.
 */
export class ClientSession {
  readonly id: number;
  readonly remote: string;
  readonly #ctx: ProxyContext;
  #socket: Socket;
  readonly #reader: PacketReader;
  readonly #sink: RelaySink;
  #phase: Phase = Phase.Handshake;
  #scramble = newScramble();
  #caps = 0;
  #extCaps = 0;
  #profile: BackendProfile = profileOf(0, GREETING_CHARSET);
  #user = '';
  #busy = false;
  #waiter: ((m: Message) => void) | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #onCloseCb: (() => void) | undefined;
  // backend state
  readonly #conns = new Map<string, BackendConnection>();
  #current: BackendConnection | undefined;
  #history: SessionHistory;
  #schema: string | undefined;
  readonly #pins = new Set<PinReason>();
  #pinConn: BackendConnection | undefined;
  #stmts = new Map<number, PreparedStatement>();
  #nextStmtId = 1;
  #lastStmtId = 0;
  #lastConn: BackendConnection | undefined;
  #autocommit = true;
  #gtid = GtidPosition.EMPTY;
  #stickyWriter = false;
  #nextTrxOnWriter = false;
  #broken: DbProxyError | undefined;
  /** A read choice the fast path made but could not serve (no connection yet): the slow path keeps it. */
  #readHint: ReadChoice | undefined;
  /** `KILL QUERY` arrived while the current command had not reached a backend yet: it is not sent. */
  #killQuery = false;
  /** A write is being relayed to the writer (switchover drain waits for these). */
  writing = false;
  /** The result cache as this session uses it (undefined: no DBPROXY_RESULT_CACHE_RULES). */
  readonly #cache: SessionCache | undefined;
  /** Scanner of the last response that completed normally (the result cache checks a miss ended well). */
  #lastDone: ResponseScanner | undefined;

  constructor(ctx: ProxyContext, socket: Socket) {
    this.#ctx = ctx;
    this.id = ctx.nextConnectionId();
    this.#socket = socket;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.#reader = new PacketReader(ctx.maxPacket);
    this.#history = new SessionHistory(ctx.historyMax);
    this.#cache = ctx.resultCache ? new SessionCache(ctx.resultCache) : undefined;
    const cache = this.#cache;
    this.#sink = {
      write: cache
        ? (b) => {
            cache.captured(b);
            return this.#socket.write(b);
          }
        : (b) => this.#socket.write(b),
      onDrain: (cb) => this.#socket.once('drain', cb),
    };
    socket.setNoDelay(true);
    this.#attach(socket);
    this.#handshakeTimer = setTimeout(() => this.close(), ctx.handshakeTimeoutMs);
    void this.#handshake();
  }

  /** Called once when the session has closed. */
  onClose(cb: () => void): void {
    this.#onCloseCb = cb;
  }

  get user(): string {
    return this.#user;
  }

  /** The session has an open transaction on `server`. */
  inTransactionOn(server: string): boolean {
    const c = this.#conns.get(server);
    return c !== undefined && c.alive && c.inTransaction;
  }

  /** The writer changed: a session whose non-replayable state lived on the old writer cannot go on. */
  writerChanged(writer: string | undefined, previous: string | undefined): void {
    if (!writer || !previous || writer === previous) return;
    if (this.#pinConn && this.#pinConn.server === previous) {
      this.#broken ??= new SessionLostError(`it was pinned (${[...this.#pins].join(', ')}) to ${previous}, which is no longer the writer`);
    }
  }

  /**
   * `KILL [QUERY] <this session's id>` from a client of `byUser` (only the same user may kill it, as on
   * MariaDB without CONNECTION ADMIN). QUERY: the running statement is killed on the backend that runs
   * it (the session stays); otherwise the session is closed, its running statement killed first.
   */
  async kill(query: boolean, byUser: string): Promise<KillResult> {
    if (byUser !== this.#user) return 'denied';
    const conn = this.#current;
    const running = conn !== undefined && !conn.idle && conn.alive;
    if (query) {
      if (running) await this.#killOnBackend(conn, true);
      else if (this.#busy) this.#killQuery = true;
      return 'ok';
    }
    if (this.#phase === Phase.Closed) return 'ok';
    this.#broken ??= new SessionLostError('the connection was killed');
    // the client connection is closed without an error packet, as MariaDB does; then the running
    // statement is killed with its backend thread (closing the socket alone would not stop it)
    this.close();
    if (running) await this.#killOnBackend(conn, false);
    return 'ok';
  }

  async #killOnBackend(conn: BackendConnection, query: boolean): Promise<void> {
    try {
      // KILL QUERY: only while this session's statement still runs there (acquiring the control
      // connection may take a while, and a finished statement's thread may run the next one).
      const still = query ? () => this.#current === conn && !conn.idle && conn.alive : undefined;
      await this.#ctx.killBackend(conn.server, conn.connectionId, query, still);
    } catch (err) {
      // the statement may end anyway; the connection is not reused
      this.#ctx.logger.warn({ err, session: this.id, server: conn.server }, 'KILL on the backend failed; closing its connection');
      conn.destroy(new Error('killed'));
    }
  }

  close(): void {
    if (this.#phase === Phase.Closed) return;
    this.#phase = Phase.Closed;
    clearTimeout(this.#handshakeTimer);
    this.#socket.destroy();
    // a command still running: its backend connection cannot be reused
    if (this.#current && !this.#current.idle) this.#current.destroy();
    for (const c of this.#conns.values()) this.#ctx.pool.release(c, this.#broken === undefined);
    this.#conns.clear();
    this.#cache?.closed();
    this.#waiter = undefined;
    this.#onCloseCb?.();
  }

  // ------------------------------------------------------------------ socket and message flow

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  #onData = (chunk: Buffer): void => {
    this.#reader.push(chunk);
    this.#drive();
  };

  #drive(): void {
    while (this.#phase !== Phase.Closed) {
      if (!this.#waiter && (this.#busy || this.#phase !== Phase.Command)) break;
      let m: Message | undefined;
      try {
        m = this.#reader.next();
      } catch (err) {
        if (err instanceof PacketTooLargeError) {
          this.#ctx.metrics.errors.inc({ type: 'packet_too_large' });
          this.#sendErr(
            ErrCode.ER_NET_PACKET_TOO_LARGE,
            '08S01',
            `Got a packet bigger than 'max_allowed_packet' bytes (${err.size} > ${err.limit}; DBPROXY_MAX_PACKET)`,
            (err.seq + 1) & 0xff,
          );
        }
        this.close();
        return;
      }
      if (!m) break;
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w(m);
        continue;
      }
      this.#busy = true;
      if (this.#fast(m)) continue;
      this.#slow(this.#command(m));
    }
    // do not buffer a flood of pipelined commands while busy
    if (this.#busy && this.#reader.buffered > this.#ctx.maxPacket) this.#socket.pause();
    else if (this.#socket.isPaused()) this.#socket.resume();
  }

  #nextMessage(): Promise<Message> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#drive();
    });
  }

  #send(payload: Buffer, seq: number): void {
    if (this.#phase !== Phase.Closed) this.#socket.write(framePackets(payload, seq));
  }

  #sendErr(code: number, state: string, message: string, seq: number): void {
    this.#send(errPayload(code, state, message), seq);
  }

  #sendOk(seq: number, info?: string): void {
    this.#send(okPayload({ status: this.#status(), info }, this.#caps), seq);
  }

  #status(): number {
    let s = this.#autocommit ? Status.AUTOCOMMIT : 0;
    if (this.#trxConn()) s |= Status.IN_TRANS;
    return s;
  }

  /** Reports an error that escaped a command as an ERR packet. */
  #fail(err: unknown, seq: number): void {
    if (err instanceof DbProxyError) {
      this.#ctx.metrics.errors.inc({ type: errorType(err) });
      this.#sendErr(err.mysqlCode, err.sqlState, `${err.code}: ${err.message}`, seq);
      if (err instanceof SessionLostError) this.#broken ??= err;
      return;
    }
    this.#ctx.logger.error({ err, session: this.id }, 'unexpected error in a client session');
    this.#ctx.metrics.errors.inc({ type: 'protocol' });
    this.#sendErr(ErrCode.ER_CONNECTION_KILLED, 'HY000', 'DBPROXY_ERR_INTERNAL: internal proxy error', seq);
    this.#broken ??= new SessionLostError('internal error');
  }

  // ------------------------------------------------------------------ handshake

  async #handshake(): Promise<void> {
    const ctx = this.#ctx;
    const advertised = PROXY_CAPABILITIES | (ctx.tls ? Cap.SSL : 0);
    const advertisedExt = ctx.extCapabilities();
    this.#send(
      greetingPayload({
        serverVersion: ctx.serverVersion(),
        connectionId: this.id,
        scramble: this.#scramble,
        capabilities: advertised,
        extCapabilities: advertisedExt,
        charset: GREETING_CHARSET,
        status: Status.AUTOCOMMIT,
        authPlugin: NATIVE_PASSWORD,
      }),
      0,
    );
    let m = await this.#nextMessage();
    if (ctx.tls && isSslRequest(m.payload)) {
      this.#upgradeTls();
      m = await this.#nextMessage();
    }
    let hr;
    try {
      hr = readHandshakeResponse(m.payload);
    } catch {
      ctx.metrics.clientConnectionsTotal.inc({ result: 'error' });
      ctx.metrics.errors.inc({ type: 'protocol' });
      this.#sendErr(ErrCode.ER_HANDSHAKE_ERROR, '08S01', 'Bad handshake', m.lastSeq + 1);
      this.close();
      return;
    }
    this.#caps = (hr.capabilities & advertised) >>> 0;
    this.#extCaps = ((hr.extCapabilities ?? 0) & advertisedExt) >>> 0;
    let seq = m.lastSeq + 1;
    let token = hr.authResponse;
    if (hr.authPlugin !== undefined && hr.authPlugin !== NATIVE_PASSWORD && this.#caps & Cap.PLUGIN_AUTH) {
      // the client wants another method (caching_sha2_password, ed25519 …): ask for mysql_native_password
      this.#send(authSwitchPayload(NATIVE_PASSWORD, this.#scramble), seq);
      const answer = await this.#nextMessage();
      token = answer.payload;
      seq = answer.lastSeq + 1;
    }
    if (!this.#authenticate(hr.user, token, seq)) return;
    this.#profile = profileOf((this.#caps & PROFILE_CAPABILITIES) >>> 0, hr.charset, this.#extCaps);
    if (hr.database !== undefined) {
      try {
        const conn = await this.#initialConn();
        const r = await conn.command(initDbPayload(hr.database), ResponseKind.Single);
        if (r.err) {
          ctx.metrics.clientConnectionsTotal.inc({ result: 'rejected' });
          this.#sendErr(r.err.code, r.err.sqlState, r.err.message, seq);
          this.close();
          return;
        }
        conn.schema = hr.database;
        this.#schema = hr.database;
      } catch (err) {
        ctx.metrics.clientConnectionsTotal.inc({ result: 'error' });
        this.#fail(err, seq);
        this.close();
        return;
      }
    }
    clearTimeout(this.#handshakeTimer);
    ctx.metrics.clientConnectionsTotal.inc({ result: 'accepted' });
    this.#sendOk(seq);
    this.#phase = Phase.Command;
    this.#drive();
  }

  #authenticate(user: string, token: Buffer, seq: number): boolean {
    const account = this.#ctx.users.get(user);
    if (!account || !verifyNativePassword(token, this.#scramble, account.hash)) {
      this.#ctx.metrics.clientConnectionsTotal.inc({ result: 'auth_failed' });
      this.#ctx.metrics.errors.inc({ type: 'auth_failed' });
      const host = this.#socket.remoteAddress ?? 'unknown';
      this.#sendErr(
        ErrCode.ER_ACCESS_DENIED_ERROR,
        '28000',
        `Access denied for user '${user}'@'${host}' (using password: ${token.length > 0 ? 'YES' : 'NO'})`,
        seq,
      );
      this.close();
      return false;
    }
    this.#user = user;
    return true;
  }

  #upgradeTls(): void {
    const raw = this.#socket;
    raw.removeListener('data', this.#onData);
    const rest = this.#reader.drain();
    // the TLS ClientHello may already be here (same TCP segment as the SSL request): a TLSSocket over the
    // raw handle would never see it, so such bytes go through a small stream that replays them first
    const transport = rest.length > 0 ? replayingStream(raw, rest) : raw;
    const tls = new TLSSocket(transport as Socket, { isServer: true, secureContext: this.#ctx.tls });
    this.#socket = tls as unknown as Socket;
    tls.on('data', this.#onData);
    tls.on('error', () => this.close());
    tls.on('close', () => this.close());
  }

  /** The first backend connection (to check the database named in the handshake): the writer, else any healthy server. */
  async #initialConn(): Promise<BackendConnection> {
    const w = this.#ctx.cluster.writer;
    if (w) {
      try {
        return await this.#open(w);
      } catch {
        // fall back to a reader below
      }
    }
    const r = this.#ctx.cluster.chooseRead(undefined);
    if (r) return this.#open(r.server);
    return this.#writerConn();
  }

  // ------------------------------------------------------------------ commands

  async #command(msg: Message): Promise<void> {
    const p = msg.payload;
    if (msg.seq !== 0) {
      this.#ctx.metrics.errors.inc({ type: 'protocol' });
      this.#sendErr(ErrCode.ER_NET_PACKETS_OUT_OF_ORDER, '08S01', 'Got packets out of order', (msg.lastSeq + 1) & 0xff);
      this.#broken = new SessionLostError('protocol error');
      return;
    }
    if (this.#broken) {
      this.#fail(this.#broken, 1);
      return;
    }
    if (p.length === 0) {
      this.#ctx.metrics.errors.inc({ type: 'protocol' });
      this.#sendErr(ErrCode.ER_MALFORMED_PACKET, '08S01', 'Malformed communication packet (empty command)', 1);
      this.#broken = new SessionLostError('protocol error');
      return;
    }
    switch (p[0]) {
      case Cmd.QUIT:
        this.close();
        return;
      case Cmd.PING:
        this.#sendOk(1);
        return;
      case Cmd.QUERY:
        return this.#query(msg);
      case Cmd.INIT_DB:
        return this.#statement(msg, { target: Target.Write, useSchema: p.toString('utf8', 1), multi: false }, ResponseKind.Single);
      case Cmd.STMT_PREPARE:
        return this.#prepare(msg);
      case Cmd.STMT_EXECUTE:
        return this.#execute(msg);
      case Cmd.STMT_SEND_LONG_DATA:
        return this.#longData(msg);
      case Cmd.STMT_CLOSE:
        return this.#closeStmt(msg);
      case Cmd.STMT_RESET:
        return this.#resetStmt(msg);
      case Cmd.STMT_FETCH:
        return this.#fetch(msg);
      case Cmd.FIELD_LIST:
        return this.#statement(msg, READ_CLS, ResponseKind.FieldList);
      case Cmd.STATISTICS:
        return this.#statement(msg, PREVIOUS_CLS, ResponseKind.Single);
      case Cmd.SET_OPTION:
        return this.#statement(msg, { target: Target.Write, sessionKey: 'com_set_option', multi: false }, ResponseKind.Single);
      case Cmd.PROCESS_KILL:
        if (p.length < 5) {
          this.#sendErr(ErrCode.ER_MALFORMED_PACKET, '08S01', 'Malformed communication packet (COM_PROCESS_KILL)', 1);
          return;
        }
        return this.#kill(p.readUInt32LE(1), false);
      case Cmd.RESET_CONNECTION:
        return this.#resetConnection();
      case Cmd.CHANGE_USER:
        return this.#changeUser(msg);
      default:
        this.#sendErr(ErrCode.ER_UNKNOWN_COM_ERROR, '08S01', `Unknown command 0x${p[0]!.toString(16)} (not supported by the proxy)`, 1);
    }
  }

  async #query(msg: Message): Promise<void> {
    const p = msg.payload;
    let cls: Classification;
    if (p.length > HUGE_STATEMENT) {
      // classify a huge statement (bulk INSERT, big literal) by its beginning only; it goes to the writer
      cls = { ...classifyQuery(p.toString('utf8', 1, 4097)), target: Target.Write, multi: false };
    } else cls = classifyQuery(p.toString('utf8', 1));
    if (cls.minGtid !== undefined) {
      try {
        this.#gtid = this.#gtid.merge(GtidPosition.parse(cls.minGtid));
        this.#sendOk(1);
      } catch {
        this.#sendErr(1231, '42000', `Variable 'scaleout_min_gtid' can't be set to the value of '${cls.minGtid}' (expected a GTID list)`, 1);
      }
      return;
    }
    if (cls.proxy !== undefined) {
      switch (cls.proxy.kind) {
        case 'connection_id':
          return this.#connectionIdQuery(msg);
        case 'kill':
          return this.#kill(cls.proxy.id, cls.proxy.query);
        case 'unsupported':
          this.#sendErr(ErrCode.ER_NOT_SUPPORTED_YET, '42000', `This version of MariaDB doesn't yet support '${cls.proxy.what}'`, 1);
          return;
      }
    }
    if (this.#cache && p.length <= HUGE_STATEMENT) {
      const sql = p.toString('utf8', 1);
      const rule = this.#cache.match(sql);
      if (rule) return this.#cachedStatement(msg, cls, sql, rule, this.#cache);
    }
    return this.#statement(msg, cls, ResponseKind.Query);
  }

  /** A SELECT matching a result-cache rule: answered from the cache, or relayed and (maybe) stored. */
  async #cachedStatement(msg: Message, cls: Classification, sql: string, rule: CacheRule, cache: SessionCache): Promise<void> {
    const bypass =
      !this.#autocommit || this.#trxConn() || cls.begin !== undefined || cls.txnControl
        ? 'transaction'
        : this.#pinConn || this.#nextTrxOnWriter || cls.target !== Target.Read || cls.multi || cls.sessionKey !== undefined || cls.pin
          ? 'session'
          : undefined;
    const history = this.#history;
    const look = cache.lookup(sql, rule, {
      user: this.#user,
      profileKey: this.#profile.key,
      schema: this.#schema,
      history: { seq: history.lastSeq, entries: () => history.since(0) },
      bypass,
    });
    if (look.type === 'hit') {
      this.#socket.write(look.bytes);
      return;
    }
    if (look.type === 'bypass') return this.#statement(msg, cls, ResponseKind.Query);
    this.#lastDone = undefined;
    cache.startCapture();
    let complete = false;
    try {
      await this.#statement(msg, cls, ResponseKind.Query);
      const done = this.#lastDone as ResponseScanner | undefined; // set by #after during the await
      complete = done !== undefined && done.err === undefined;
    } finally {
      const conn = this.#lastConn;
      const cluster = this.#ctx.cluster;
      cache.finishCapture(
        look.ticket,
        complete,
        this.#autocommit && !conn?.inTransaction,
        conn ? { isWriter: conn.server === cluster.controller.writer, known: cluster.known(conn.server) } : undefined,
      );
    }
  }

  /** `KILL [QUERY] <id>`: ids are the proxy's (this proxy's sessions, or the peer's through its admin API). */
  async #kill(id: number, query: boolean): Promise<void> {
    let r: KillResult;
    const scope = query ? 'query' : 'connection';
    try {
      r = await this.#ctx.kill(id, query, this.#user);
    } catch (err) {
      this.#ctx.metrics.kills.inc({ scope, result: 'peer_error' });
      this.#fail(err, 1);
      return;
    }
    this.#ctx.metrics.kills.inc({ scope, result: r });
    if (r === 'unknown') this.#sendErr(ErrCode.ER_NO_SUCH_THREAD, 'HY000', `Unknown thread id: ${id}`, 1);
    else if (r === 'denied') this.#sendErr(ErrCode.ER_KILL_DENIED_ERROR, 'HY000', `You are not owner of thread ${id}`, 1);
    else if (id === this.id && !query) this.#sendErr(ErrCode.ER_CONNECTION_KILLED, '70100', 'Connection was killed', 1);
    else this.#sendOk(1);
  }

  /**
   * `SELECT CONNECTION_ID()`: run where a read would run (so column metadata is the server's own, in the
   * session's format) and answered with this session's id, which is stable and is what KILL takes.
   */
  async #connectionIdQuery(msg: Message): Promise<void> {
    const { conn } = await this.#pick(READ_CLS);
    await this.#ownIdResult(conn, msg.payload, false);
  }

  /** Runs `payload` (a CONNECTION_ID() query or execute) on `conn` for the proxy and sends the result with the session's id. */
  async #ownIdResult(conn: BackendConnection, payload: Buffer, binary: boolean): Promise<void> {
    const r = await this.#internal(conn, payload, ResponseKind.Query);
    if (!r) return;
    this.#lastConn = conn;
    this.#socket.write(r.err ? r.raw : withConnectionId(r.raw, this.id, conn.deprecateEof, binary));
  }

  /** Routes, relays and follows one text-protocol command (or INIT_DB, FIELD_LIST …). */
  async #statement(msg: Message, cls: Classification, kind: ResponseKind): Promise<void> {
    const started = performance.now();
    const choice = await this.#pick(cls);
    return this.#statementFrom(msg, cls, kind, started, choice, await this.#relay(choice, msg.raw, kind, started));
  }

  /** Follows a relay's outcome: done, or recovery and another attempt. */
  async #statementFrom(msg: Message, cls: Classification, kind: ResponseKind, started: number, choice: Choice, outcome: RelayOutcome): Promise<void> {
    let attempts = 0;
    for (;;) {
      if (outcome.type === 'done') {
        this.#after(choice.conn, cls, msg, outcome);
        return;
      }
      const next = await this.#recover(choice, outcome, cls, ++attempts);
      if (!next) return;
      choice = next;
      outcome = await this.#relay(choice, msg.raw, kind, started);
    }
  }

  /** Relays a command on a chosen connection and keeps the books (in-flight, metrics). */
  #relay(choice: Choice, raw: Buffer, kind: ResponseKind, started: number): Promise<RelayOutcome> {
    if (this.#killQuery) {
      // KILL QUERY came while this command waited (writer, connect, replay): it does not run
      this.#killQuery = false;
      return Promise.resolve({ type: 'retry', err: INTERRUPTED, seq: 1 });
    }
    return new Promise((resolve) => this.#relayThen(choice, raw, kind, started, resolve));
  }

  #relayThen(choice: Choice, raw: Buffer, kind: ResponseKind, started: number, done: (o: RelayOutcome) => void): void {
    const { conn } = choice;
    const cluster = this.#ctx.cluster;
    const writerRoute = conn.server === cluster.controller.writer;
    this.#current = conn;
    cluster.begin(conn.server);
    const writing = writerRoute && choice.retry !== 'read';
    if (writing) this.writing = true;
    conn.relayThen(raw, kind, this.#sink, choice.retry ? isReadOnlyError : undefined, (outcome) => {
      if (writing) this.writing = false;
      cluster.end(conn.server);
      this.#current = undefined;
      if (outcome.type === 'done') {
        this.#ctx.metrics.query(writerRoute ? 'writer' : 'reader', conn.server, (performance.now() - started) / 1000);
        if (outcome.scanner.err) this.#ctx.metrics.errors.inc({ type: 'server_error' });
      }
      done(outcome);
    });
  }

  /** Runs a command's asynchronous handling; the session is idle again when it settles. */
  #slow(work: Promise<void>): void {
    work.catch((err: unknown) => this.#fail(err, 1)).finally(() => this.#idle());
  }

  #idle(): void {
    this.#busy = false;
    this.#killQuery = false;
    if (this.#broken) this.close();
    else this.#drive();
  }

  /**
   * The fast path for the common case: a query or an execute whose backend connection is open and in
   * sync (no connect, replay or causal wait needed) is routed and relayed without promises; anything
   * else, and any trouble during the relay, continues on the general (async) path.
   */
  #fast(msg: Message): boolean {
    const p = msg.payload;
    this.#readHint = undefined;
    if (msg.seq !== 0 || p.length === 0 || this.#broken || this.#phase !== Phase.Command) return false;
    const started = performance.now();
    if (p[0] === Cmd.QUERY) {
      if (p.length > HUGE_STATEMENT) return false;
      const sql = p.toString('utf8', 1);
      const cls = classifyQuery(sql);
      if (cls.minGtid !== undefined || cls.proxy !== undefined) return false;
      if (this.#cache?.match(sql)) return false;
      const choice = this.#pickSync(cls);
      if (!choice) {
        // the general path, with the classification already made
        this.#slow(this.#statement(msg, cls, ResponseKind.Query));
        return true;
      }
      this.#relayThen(choice, msg.raw, ResponseKind.Query, started, (outcome) => {
        if (outcome.type === 'done') {
          this.#after(choice.conn, cls, msg, outcome);
          this.#idle();
        } else this.#slow(this.#statementFrom(msg, cls, ResponseKind.Query, started, choice, outcome));
      });
      return true;
    }
    if (p[0] === Cmd.STMT_EXECUTE && p.length >= 10) {
      let id = p.readUInt32LE(1);
      if (id === 0xffffffff) id = this.#lastStmtId;
      const st = this.#stmts.get(id);
      if (!st || (p[5]! & 0x07) !== 0 || st.longDataConn || st.cls.proxy !== undefined) return false;
      let boundAt = -1;
      let newTypes = false;
      if (st.params > 0) {
        boundAt = 10 + ((st.params + 7) >> 3);
        if (p.length <= boundAt) return false;
        if (p[boundAt] === 1) {
          // new types equal to the known ones keep the fast path; changed types take the slow one
          if (!st.types || !st.types.equals(p.subarray(boundAt + 1, boundAt + 1 + 2 * st.params))) return false;
          newTypes = true;
        }
      }
      const choice = this.#pickSync(st.cls);
      if (!choice) return false;
      const bid = st.backendIds.get(choice.conn);
      if (bid === undefined || (st.params > 0 && !newTypes && !st.typed.has(choice.conn))) return false;
      msg.raw.writeUInt32LE(bid, 5);
      this.#relayThen(choice, msg.raw, ResponseKind.Query, started, (outcome) => {
        if (outcome.type === 'done') {
          if (newTypes) st.typed.add(choice.conn);
          st.lastConn = choice.conn;
          this.#after(choice.conn, st.cls, msg, outcome, st.sql);
          this.#idle();
        } else this.#slow(this.#executeOn(msg, st, st.cls, started, choice, { boundAt, newTypes, cursor: false }, outcome, newTypes));
      });
      return true;
    }
    return false;
  }

  /** Connection is open, alive and already has the session's schema and session commands. */
  #synced(c: BackendConnection | undefined): c is BackendConnection {
    return c !== undefined && c.alive && (this.#schema === undefined || c.schema === this.#schema) && c.historySeq >= this.#history.lastSeq;
  }

  /** {@link #pick} when it can decide without waiting; undefined: take the async path. */
  #pickSync(cls: Classification): Choice | undefined {
    for (const c of this.#conns.values()) if (!c.alive) return undefined;
    if (this.#pinConn) return { conn: this.#pinConn, retry: undefined };
    const trx = this.#trxConn();
    if (trx) return { conn: trx, retry: undefined };
    const last = this.#lastConn?.alive ? this.#lastConn : undefined;
    if (cls.txnControl) return this.#synced(last) ? { conn: last, retry: undefined } : undefined;
    if (cls.target === Target.Previous && last) return { conn: last, retry: undefined };
    const cluster = this.#ctx.cluster;
    if (cls.target === Target.Read && this.#autocommit && !this.#nextTrxOnWriter && !this.#stickyWriter && cls.sessionKey === undefined) {
      const choice = cluster.chooseRead(this.#gtid);
      if (choice) {
        const conn = this.#conns.get(choice.server);
        if (choice.wait || !this.#synced(conn)) {
          this.#readHint = choice;
          return undefined;
        }
        if (!this.#gtid.isEmpty && cluster.causal !== 'off') {
          this.#ctx.metrics.causalReads.inc({ result: choice.server === cluster.controller.writer ? 'writer' : 'known' });
        }
        return { conn, retry: 'read' };
      }
    }
    if (cls.sessionKey !== undefined || cls.useSchema !== undefined) return this.#synced(last) ? { conn: last, retry: undefined } : undefined;
    const w = cluster.writer;
    const conn = w ? this.#conns.get(w) : undefined;
    if (!this.#synced(conn)) return undefined;
    this.#nextTrxOnWriter = false;
    const autocommitWrite = this.#autocommit && !cls.multi && cls.begin === undefined && !cls.pin && cls.sessionKey === undefined;
    return { conn, retry: autocommitWrite ? 'write' : undefined };
  }

  /**
   * After a relay that did not complete normally: decide whether to send the command again elsewhere
   * (returns the new choice) or to answer the client with an error (returns undefined).
   */
  async #recover(choice: Choice, outcome: RelayOutcome, cls: Classification, attempts: number): Promise<Choice | undefined> {
    const m = this.#ctx.metrics;
    const cluster = this.#ctx.cluster;
    if (outcome.type === 'retry' && outcome.err === INTERRUPTED) {
      this.#sendErr(INTERRUPTED.code, INTERRUPTED.sqlState, INTERRUPTED.message, 1);
      return undefined;
    }
    if (outcome.type === 'retry') {
      if (choice.retry === 'read' && attempts <= 2) {
        // a reader refused it (a stored function wrote?): the writer runs it
        m.retries.inc({ reason: 'reader_error' });
        return { conn: await this.#writerConn(), retry: 'write' };
      }
      if (choice.retry === 'write' && attempts <= 5) {
        // the writer was fenced under us (switchover by the other proxy): nothing ran; wait for the new writer
        m.retries.inc({ reason: 'read_only' });
        cluster.reportFailure(choice.conn.server);
        const w = await cluster.waitWriter(this.#ctx.writerWaitMs, choice.conn.server);
        if (w) return { conn: await this.#writerConn(), retry: 'write' };
      }
      this.#sendErr(outcome.err.code, outcome.err.sqlState, outcome.err.message, (outcome.seq) & 0xff);
      m.errors.inc({ type: 'server_error' });
      return undefined;
    }
    if (outcome.type !== 'lost') return undefined;
    const lost = this.#dropConn(choice.conn);
    cluster.reportFailure(choice.conn.server);
    if (!outcome.forwarded && choice.retry === 'read' && attempts <= 2 && !lost) {
      m.retries.inc({ reason: 'lost' });
      return this.#pick(cls);
    }
    const err = lost ?? new BackendLostError(choice.conn.server, outcome.error.message);
    this.#fail(err, outcome.forwarded ? (outcome.lastSeq + 1) & 0xff : 1);
    return undefined;
  }

  /** Updates the session after a response: transaction and autocommit state, schema, GTID, history, pins. */
  #after(conn: BackendConnection, cls: Classification, msg: Message, outcome: RelayOutcome & { type: 'done' }, stmtSql?: string): void {
    const sc = outcome.scanner;
    this.#lastConn = conn;
    this.#lastDone = sc;
    const ok = sc.err === undefined;
    if (ok) this.#autocommit = (sc.status & Status.AUTOCOMMIT) !== 0;
    for (const b of sc.stateChanges) this.#applyState(conn, b);
    if (cls.useSchema !== undefined && ok) {
      if (conn.schema === undefined || conn.schema !== cls.useSchema) conn.schema = cls.useSchema;
      this.#schema = conn.schema;
    }
    if (cls.sessionKey !== undefined && ok) this.#record(cls.sessionKey, msg.payload, conn);
    if (cls.pin) this.#pinTo(conn, cls.pin);
    if (cls.unlockTables && ok) this.#unpin('lock_tables');
    if (cls.nextTrxOnWriter && ok) this.#nextTrxOnWriter = true;
    if (cls.target !== Target.Read && !this.#tracksGtid() && conn.server === this.#ctx.cluster.controller.writer) this.#stickyWriter = true;
    if (this.#cache) {
      // writes invalidate the result cache (reads never do); the text is the query's or the prepared statement's
      let sql: string | undefined;
      if (cls.target !== Target.Read) sql = stmtSql ?? (msg.payload[0] === Cmd.QUERY ? msg.payload.toString('utf8', 1, Math.min(msg.payload.length, 1 + 2 * HUGE_STATEMENT)) : undefined);
      this.#cache.afterStatement(sql, this.#schema, sc.status, this.#tracksGtid() ? this.#gtid : GtidPosition.EMPTY);
    }
  }

  #applyState(conn: BackendConnection, okPayload: Buffer): void {
    try {
      const ok = readOk(okPayload, conn.caps);
      if (!ok.sessionState) return;
      const st = readSessionState(ok.sessionState);
      if (st.schema !== undefined) {
        conn.schema = st.schema === '' ? undefined : st.schema;
        this.#schema = conn.schema;
      }
      const g = st.variables?.get('last_gtid');
      if (g) this.#gtid = this.#gtid.merge(GtidPosition.parse(g));
    } catch {
      // an unparsable state block is ignored (causal reads then rely on the writer fallback)
    }
  }

  /** Causal reads need last_gtid in OK packets: the client must track sessions and the writer must report it. */
  #tracksGtid(): boolean {
    if ((this.#caps & Cap.SESSION_TRACK) === 0) return false;
    const w = this.#ctx.cluster.controller.writer;
    const probe = w ? this.#ctx.cluster.view(w)?.probe : undefined;
    return probe?.tracksLastGtid ?? true;
  }

  #record(key: string, payload: Buffer, conn: BackendConnection): void {
    if (this.#history.record(key, Buffer.from(payload))) conn.historySeq = this.#history.lastSeq;
    else this.#pinTo(conn, 'history_overflow');
  }

  #pinTo(conn: BackendConnection, reason: PinReason): void {
    if (!this.#pins.has(reason)) this.#ctx.metrics.pins.inc({ reason });
    this.#pins.add(reason);
    this.#pinConn = conn;
  }

  #unpin(reason: PinReason): void {
    this.#pins.delete(reason);
    if (this.#pins.size === 0) this.#pinConn = undefined;
  }

  #trxConn(): BackendConnection | undefined {
    for (const c of this.#conns.values()) if (c.alive && c.inTransaction) return c;
    return undefined;
  }

  /**
   * Forgets a dead connection. Returns the session-lost error when state that cannot be recreated lived
   * on it (an open transaction, pinned state); the session is then closed after the error is sent.
   */
  #dropConn(conn: BackendConnection): SessionLostError | undefined {
    if (this.#conns.get(conn.server) === conn) this.#conns.delete(conn.server);
    this.#ctx.pool.release(conn, false);
    if (this.#lastConn === conn) this.#lastConn = undefined;
    for (const st of this.#stmts.values()) {
      st.backendIds.delete(conn);
      st.typed.delete(conn);
      if (st.longDataConn === conn) st.longDataConn = undefined;
      if (st.cursorConn === conn) st.cursorConn = undefined;
      if (st.lastConn === conn) st.lastConn = undefined;
    }
    let lost: SessionLostError | undefined;
    if (this.#pinConn === conn) lost = new SessionLostError(`backend ${conn.server} holding pinned state (${[...this.#pins].join(', ')}) failed`);
    else if (conn.inTransaction) lost = new SessionLostError(`backend ${conn.server} failed inside a transaction`);
    if (lost) this.#broken ??= lost;
    return lost;
  }

  /** Drops connections that died while idle; throws when the session's state was on one of them. */
  #reap(): void {
    for (const c of [...this.#conns.values()]) {
      if (!c.alive) {
        const lost = this.#dropConn(c);
        if (lost) throw lost;
      }
    }
    if (this.#broken) throw this.#broken;
  }

  // ------------------------------------------------------------------ routing

  /** Chooses the backend connection for a command and brings it up to date. */
  async #pick(cls: Classification): Promise<Choice> {
    this.#reap();
    if (this.#pinConn) return { conn: this.#pinConn, retry: undefined };
    const trx = this.#trxConn();
    if (trx) return { conn: trx, retry: undefined };
    const last = this.#lastConn?.alive ? this.#lastConn : undefined;
    if (cls.txnControl) return last ? { conn: last, retry: undefined } : { conn: await this.#writerConn(), retry: undefined };
    if (cls.target === Target.Previous && last) return { conn: last, retry: undefined };
    if (cls.target === Target.Read && this.#autocommit && !this.#nextTrxOnWriter && !this.#stickyWriter && cls.sessionKey === undefined) {
      const read = await this.#readConn();
      if (read) return read;
    }
    if ((cls.sessionKey !== undefined || cls.useSchema !== undefined) && last) {
      await this.#sync(last);
      return { conn: last, retry: undefined };
    }
    const conn = await this.#writerConn();
    this.#nextTrxOnWriter = false;
    const autocommitWrite = this.#autocommit && !cls.multi && cls.begin === undefined && !cls.pin && cls.sessionKey === undefined;
    return { conn, retry: autocommitWrite ? 'write' : undefined };
  }

  /** A connection for a read (reader or writer), after a causal wait when needed; undefined: use the writer. */
  async #readConn(): Promise<Choice | undefined> {
    const cluster = this.#ctx.cluster;
    const m = this.#ctx.metrics;
    const choice = this.#readHint ?? cluster.chooseRead(this.#gtid);
    this.#readHint = undefined;
    if (!choice) return undefined;
    let conn: BackendConnection;
    try {
      conn = await this.#connFor(choice.server);
    } catch (err) {
      if (err instanceof ReplayError || err instanceof BackendConnectError || err instanceof PoolExhaustedError) {
        cluster.reportFailure(choice.server);
        return undefined;
      }
      throw err;
    }
    const causal = !this.#gtid.isEmpty && cluster.causal !== 'off';
    if (choice.wait) {
      const ok = await this.#causalWait(conn, choice.wait);
      if (!ok) {
        m.causalReads.inc({ result: 'timeout' });
        return undefined;
      }
      cluster.learn(choice.server, choice.wait);
      m.causalReads.inc({ result: 'waited' });
    } else if (causal) {
      m.causalReads.inc({ result: choice.server === cluster.controller.writer ? 'writer' : 'known' });
    }
    return { conn, retry: 'read' };
  }

  /** MASTER_GTID_WAIT on a reader; true when it has applied `pos` in time. */
  async #causalWait(conn: BackendConnection, pos: GtidPosition): Promise<boolean> {
    const secs = Math.max(0.001, this.#ctx.causalTimeoutMs / 1000);
    try {
      const r = await conn.query(`SELECT MASTER_GTID_WAIT('${pos.toString()}', ${secs})`);
      if (r.err) return false;
      return firstTextValue(r.raw, conn.deprecateEof) === '0';
    } catch {
      this.#dropConn(conn);
      return false;
    }
  }

  /**
   * The session's connection to the writer, opened when needed. While there is no writer (failover,
   * switchover) or it cannot be reached, waits up to DBPROXY_WRITER_WAIT for one: nothing was sent yet,
   * so the command then simply runs on the new writer.
   */
  async #writerConn(): Promise<BackendConnection> {
    const ctx = this.#ctx;
    const cluster = ctx.cluster;
    const start = Date.now();
    const deadline = start + ctx.writerWaitMs;
    let waited = false;
    for (;;) {
      const w = cluster.writer;
      if (w) {
        try {
          const c = await this.#connFor(w);
          if (waited) ctx.metrics.writerWait.observe((Date.now() - start) / 1000);
          return c;
        } catch (err) {
          if (!(err instanceof BackendConnectError)) throw err;
          cluster.reportFailure(w);
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new NoWriterError(ctx.writerWaitMs);
      waited = true;
      await cluster.waitWriter(w ? Math.min(remaining, 200) : remaining, w);
    }
  }

  /** The session's connection to `server` (opened from the pool when needed), synchronised. */
  async #connFor(server: string): Promise<BackendConnection> {
    let c = this.#conns.get(server);
    if (!c || !c.alive) {
      if (c) this.#reapOne(c);
      c = await this.#open(server);
    }
    await this.#sync(c);
    return c;
  }

  #reapOne(c: BackendConnection): void {
    const lost = this.#dropConn(c);
    if (lost) throw lost;
  }

  async #open(server: string): Promise<BackendConnection> {
    const c = await this.#ctx.pool.acquire(server, this.#profile);
    if (this.#phase === Phase.Closed) {
      this.#ctx.pool.release(c, true);
      throw new SessionLostError('client went away');
    }
    this.#conns.set(server, c);
    return c;
  }

  /** Brings a connection up to the session's state: default schema, then session commands it has not run. */
  async #sync(c: BackendConnection): Promise<void> {
    if (this.#schema !== undefined && c.schema !== this.#schema) {
      const r = await c.command(initDbPayload(this.#schema), ResponseKind.Single);
      if (r.err) throw this.#replayFailed(c, r.err.message);
      c.schema = this.#schema;
    }
    if (c.historySeq < this.#history.lastSeq) {
      for (const e of this.#history.since(c.historySeq)) {
        const r = await c.command(e.payload, e.payload[0] === Cmd.QUERY ? ResponseKind.Query : ResponseKind.Single);
        if (r.err) throw this.#replayFailed(c, `${e.key}: ${r.err.message}`);
        c.historySeq = e.seq;
      }
    }
  }

  #replayFailed(c: BackendConnection, detail: string): ReplayError {
    this.#dropConn(c);
    return new ReplayError(c.server, detail);
  }

  // ------------------------------------------------------------------ prepared statements

  async #prepare(msg: Message): Promise<void> {
    const payload = Buffer.from(msg.payload);
    const sql = payload.toString('utf8', 1);
    const cls = payload.length > HUGE_STATEMENT ? WRITE_CLS : classifyQuery(sql);
    if (cls.proxy !== undefined && cls.proxy.kind !== 'connection_id') {
      // a prepared KILL would reach a server with a proxy id (or a backend-thread form): refused
      this.#sendErr(ErrCode.ER_NOT_SUPPORTED_YET, '42000', "This version of MariaDB doesn't yet support 'KILL as a prepared statement through db-proxy'", 1);
      return;
    }
    // prepare where the session already is: no new connection just for metadata
    this.#reap();
    let conn = this.#pinConn ?? this.#trxConn() ?? (this.#lastConn?.alive ? this.#lastConn : undefined);
    if (conn) await this.#sync(conn);
    else conn = (await this.#pick(cls)).conn;
    const r = await this.#internal(conn, payload, ResponseKind.Prepare);
    if (!r) return;
    if (r.err || !r.prepare) {
      this.#ctx.metrics.errors.inc({ type: 'server_error' });
      this.#socket.write(r.raw);
      return;
    }
    const id = this.#nextStmtId++;
    r.raw.writeUInt32LE(id, 5);
    this.#socket.write(r.raw);
    this.#stmts.set(id, {
      id,
      sql,
      preparePayload: payload,
      cls,
      params: r.prepare.params,
      columns: r.prepare.columns,
      backendIds: new Map([[conn, r.prepare.stmtId]]),
      types: undefined,
      typed: new Set(),
      longDataConn: undefined,
      cursorConn: undefined,
      lastConn: conn,
    });
    this.#lastStmtId = id;
    this.#lastConn = conn;
  }

  /** A client command the proxy runs itself on `conn`; undefined when the connection failed (error sent). */
  async #internal(conn: BackendConnection, payload: Buffer, kind: ResponseKind): Promise<InternalResult | undefined> {
    try {
      return await conn.command(payload, kind);
    } catch (err) {
      this.#fail(this.#dropConn(conn) ?? new BackendLostError(conn.server, (err as Error).message), 1);
      return undefined;
    }
  }

  #stmt(payload: Buffer, what: string): PreparedStatement | undefined {
    if (payload.length < 5) return undefined;
    let id = payload.readUInt32LE(1);
    if (id === 0xffffffff) id = this.#lastStmtId;
    const st = this.#stmts.get(id);
    if (!st) this.#sendErr(ErrCode.ER_UNKNOWN_STMT_HANDLER, 'HY000', `Unknown prepared statement handler (${id}) given to ${what}`, 1);
    return st;
  }

  /** The backend's id for `st` on `conn`, preparing it there first when needed; undefined when that failed (error sent). */
  async #backendStmt(conn: BackendConnection, st: PreparedStatement): Promise<number | undefined> {
    const known = st.backendIds.get(conn);
    if (known !== undefined) return known;
    const r = await conn.command(st.preparePayload, ResponseKind.Prepare);
    if (r.err || !r.prepare) {
      this.#socket.write(r.raw);
      return undefined;
    }
    st.backendIds.set(conn, r.prepare.stmtId);
    return r.prepare.stmtId;
  }

  async #execute(msg: Message): Promise<void> {
    const started = performance.now();
    const p = msg.payload;
    if (p.length < 10) {
      this.#sendErr(ErrCode.ER_MALFORMED_PACKET, '08S01', 'Malformed communication packet (COM_STMT_EXECUTE)', 1);
      return;
    }
    const st = this.#stmt(p, 'mysqld_stmt_execute');
    if (!st) return;
    const cursor = (p[5]! & 0x07) !== 0;
    let boundAt = -1;
    let newTypes = false;
    if (st.params > 0) {
      boundAt = 10 + ((st.params + 7) >> 3);
      if (p.length <= boundAt) {
        this.#sendErr(ErrCode.ER_MALFORMED_PACKET, '08S01', 'Malformed communication packet (COM_STMT_EXECUTE parameters)', 1);
        return;
      }
      if (p[boundAt] === 1) {
        const types = p.subarray(boundAt + 1, boundAt + 1 + 2 * st.params);
        if (!st.types || !st.types.equals(types)) {
          st.types = Buffer.from(types);
          st.typed.clear();
        }
        newTypes = true;
      }
    }
    if (st.cls.proxy?.kind === 'connection_id' && st.params === 0 && !cursor) {
      const { conn } = await this.#pick(READ_CLS);
      const bid = await this.#backendStmt(conn, st);
      if (bid === undefined) return;
      const payload = Buffer.from(p);
      payload.writeUInt32LE(bid, 1);
      st.lastConn = conn;
      return this.#ownIdResult(conn, payload, true);
    }
    const cls = cursor ? WRITE_CLS : st.cls;
    const choice: Choice = st.longDataConn?.alive ? { conn: st.longDataConn, retry: undefined } : await this.#pick(cls);
    return this.#executeOn(msg, st, cls, started, choice, { boundAt, newTypes, cursor }, undefined, false);
  }

  /**
   * Executes a prepared statement on `choice` (prepared there first when needed, with parameter types
   * added when that connection has not seen them), then follows the outcome like a statement. With
   * `outcome`, the first relay already happened (fast path) and `sentTypes` says whether it carried types.
   */
  async #executeOn(
    msg: Message,
    st: PreparedStatement,
    cls: Classification,
    started: number,
    choice: Choice,
    x: { boundAt: number; newTypes: boolean; cursor: boolean },
    outcome: RelayOutcome | undefined,
    sentTypes: boolean,
  ): Promise<void> {
    const p = msg.payload;
    let attempts = 0;
    for (;;) {
      if (!outcome) {
        const conn = choice.conn;
        const bid = await this.#backendStmt(conn, st);
        if (bid === undefined) return;
        const injectTypes = st.params > 0 && !x.newTypes && !st.typed.has(conn) && st.types !== undefined;
        let raw: Buffer;
        if (injectTypes) {
          const np = Buffer.concat([p.subarray(0, x.boundAt), Buffer.from([1]), st.types!, p.subarray(x.boundAt + 1)]);
          np.writeUInt32LE(bid, 1);
          raw = framePackets(np, 0);
        } else {
          msg.raw.writeUInt32LE(bid, 5);
          raw = msg.raw;
        }
        sentTypes = x.newTypes || injectTypes;
        outcome = await this.#relay(choice, raw, ResponseKind.Query, started);
      }
      if (outcome.type === 'done') {
        if (sentTypes) st.typed.add(choice.conn);
        st.lastConn = choice.conn;
        st.longDataConn = undefined;
        if (x.cursor) st.cursorConn = choice.conn;
        this.#after(choice.conn, cls, msg, outcome, st.sql);
        return;
      }
      // An interrupted command (KILL QUERY before it was sent) never reached the connection: its types neither.
      if (outcome.type === 'retry' && sentTypes && outcome.err !== INTERRUPTED) st.typed.add(choice.conn);
      const next = await this.#recover(choice, outcome, cls, ++attempts);
      if (!next) return;
      choice = next;
      outcome = undefined;
    }
  }

  async #longData(msg: Message): Promise<void> {
    const p = msg.payload;
    if (p.length < 7) return;
    let id = p.readUInt32LE(1);
    if (id === 0xffffffff) id = this.#lastStmtId;
    const st = this.#stmts.get(id);
    if (!st) return; // the server also stays silent; the execute reports it
    let conn = st.longDataConn?.alive ? st.longDataConn : undefined;
    if (!conn) conn = (await this.#pick(WRITE_CLS)).conn;
    const bid = await this.#backendStmt(conn, st);
    if (bid === undefined) return;
    msg.raw.writeUInt32LE(bid, 5);
    conn.sendNoReply(msg.raw);
    st.longDataConn = conn;
  }

  #closeStmt(msg: Message): void {
    const p = msg.payload;
    if (p.length < 5) return;
    const id = p.readUInt32LE(1);
    const st = this.#stmts.get(id);
    if (!st) return;
    this.#stmts.delete(id);
    for (const [conn, bid] of st.backendIds) {
      if (!conn.alive) continue;
      const close = Buffer.allocUnsafe(5);
      close[0] = Cmd.STMT_CLOSE;
      close.writeUInt32LE(bid, 1);
      conn.sendNoReply(framePackets(close, 0));
    }
  }

  async #resetStmt(msg: Message): Promise<void> {
    const st = this.#stmt(msg.payload, 'mysqld_stmt_reset');
    if (!st) return;
    const conn = [st.cursorConn, st.longDataConn, st.lastConn, ...st.backendIds.keys()].find((c) => c?.alive);
    st.longDataConn = undefined;
    st.cursorConn = undefined;
    if (!conn) {
      this.#sendOk(1);
      return;
    }
    const bid = st.backendIds.get(conn)!;
    msg.raw.writeUInt32LE(bid, 5);
    const outcome = await this.#relay({ conn, retry: undefined }, msg.raw, ResponseKind.Single, performance.now());
    if (outcome.type !== 'done') await this.#recover({ conn, retry: undefined }, outcome, WRITE_CLS, 99);
  }

  async #fetch(msg: Message): Promise<void> {
    const st = this.#stmt(msg.payload, 'mysqld_stmt_fetch');
    if (!st) return;
    const conn = st.cursorConn;
    if (!conn?.alive) {
      this.#sendErr(ErrCode.ER_UNKNOWN_STMT_HANDLER, 'HY000', `No open cursor for prepared statement ${st.id}`, 1);
      return;
    }
    msg.raw.writeUInt32LE(st.backendIds.get(conn)!, 5);
    const outcome = await this.#relay({ conn, retry: undefined }, msg.raw, ResponseKind.Fetch, performance.now());
    if (outcome.type === 'done') this.#lastConn = conn;
    else await this.#recover({ conn, retry: undefined }, outcome, WRITE_CLS, 99);
  }

  // ------------------------------------------------------------------ session-level commands

  /** COM_RESET_CONNECTION: every backend connection goes back to the pool (which resets it); state is cleared. */
  #resetSessionState(): void {
    for (const c of this.#conns.values()) this.#ctx.pool.release(c, true);
    this.#conns.clear();
    this.#history = new SessionHistory(this.#ctx.historyMax);
    this.#pins.clear();
    this.#pinConn = undefined;
    this.#stmts = new Map();
    this.#lastConn = undefined;
    this.#autocommit = true;
    this.#stickyWriter = false;
    this.#nextTrxOnWriter = false;
  }

  async #resetConnection(): Promise<void> {
    this.#resetSessionState();
    this.#sendOk(1);
  }

  /** COM_CHANGE_USER: authenticate again (always through an auth switch to mysql_native_password), then start clean. */
  async #changeUser(msg: Message): Promise<void> {
    let user: string;
    let database: string | undefined;
    let charset = this.#profile.charset;
    try {
      const r = new Reader(msg.payload, 1);
      user = r.nulString();
      if (this.#caps & Cap.SECURE_CONNECTION) r.skip(r.u8());
      else r.nulString();
      database = r.nulString() || undefined;
      if (r.remaining >= 2) charset = r.u16() & 0xff;
    } catch {
      this.#sendErr(ErrCode.ER_MALFORMED_PACKET, '08S01', 'Malformed communication packet (COM_CHANGE_USER)', 1);
      this.#broken = new SessionLostError('protocol error');
      return;
    }
    this.#scramble = newScramble();
    this.#send(authSwitchPayload(NATIVE_PASSWORD, this.#scramble), 1);
    const answer = await this.#nextMessage();
    const seq = (answer.lastSeq + 1) & 0xff;
    if (!this.#authenticate(user, answer.payload, seq)) return;
    this.#resetSessionState();
    this.#schema = undefined;
    this.#profile = profileOf(this.#profile.caps, charset, this.#profile.extCaps);
    if (database !== undefined) {
      const conn = await this.#initialConn();
      await this.#sync(conn);
      const r = await conn.command(initDbPayload(database), ResponseKind.Single);
      if (r.err) {
        this.#sendErr(r.err.code, r.err.sqlState, r.err.message, seq);
        return;
      }
      conn.schema = database;
      this.#schema = database;
    }
    this.#sendOk(seq);
  }
}

/** A duplex over `socket` whose readable side starts with `first`. */
function replayingStream(socket: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  return d;
}

function initDbPayload(db: string): Buffer {
  return Buffer.concat([Buffer.from([Cmd.INIT_DB]), Buffer.from(db, 'utf8')]);
}

function errorType(err: DbProxyError): ErrorType {
  switch (err.code) {
    case 'DBPROXY_ERR_NO_WRITER':
      return 'no_writer';
    case 'DBPROXY_ERR_BACKEND_LOST':
      return 'backend_lost';
    case 'DBPROXY_ERR_BACKEND_CONNECT':
      return 'backend_connect';
    case 'DBPROXY_ERR_POOL_EXHAUSTED':
      return 'pool_exhausted';
    case 'DBPROXY_ERR_SESSION_LOST':
      return 'session_lost';
    case 'DBPROXY_ERR_REPLAY':
      return 'replay';
    default:
      return 'protocol';
  }
}
