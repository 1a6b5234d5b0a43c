import { connect as netConnect, type Socket } from 'node:net';
import { BACKEND_BASE_CAPABILITIES, Cap, Cmd, MariaCap } from '../protocol/constants.js';
import { handshakeResponsePayload, readAuthSwitch, readGreeting } from '../protocol/handshake.js';
import { NATIVE_PASSWORD, scramblePassword } from '../protocol/native-password.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { framePackets, readErr, readOk, type ErrPacket } from '../protocol/packets.js';
import { ResponseKind, ResponseScanner, type PrepareOk } from '../protocol/response-scanner.js';
import { BackendConnectError, BackendLostError, BackendProtocolError } from '../errors.js';

export { ResponseKind };

/** What must match between a client and the backend connection its packets are relayed to. */
export interface BackendProfile {
  /** Client capabilities masked with PROFILE_CAPABILITIES. */
  caps: number;
  /** MariaDB extended capabilities the client negotiated (every backend connection of the session gets exactly these). */
  extCaps: number;
  /** Collation id from the client's handshake. */
  charset: number;
  key: string;
}

export function profileOf(caps: number, charset: number, extCaps = 0): BackendProfile {
  return { caps, extCaps, charset, key: `${caps.toString(16)}:${extCaps.toString(16)}:${charset}` };
}

/** What a server's greeting offered (recorded by the pool for the proxy's own greeting). */
export interface ServerOffer {
  capabilities: number;
  extCapabilities: number;
}

export interface BackendTarget {
  name: string;
  host: string;
  port: number;
}

export interface BackendCredentials {
  user: string;
  password: string;
}

/** Where relayed response bytes go (the client socket). */
export interface RelaySink {
  /** Writes bytes to the client; false when the client is not keeping up. */
  write(chunk: Buffer): boolean;
  /** Calls `cb` once the client has drained. */
  onDrain(cb: () => void): void;
}

export type RelayOutcome =
  | { type: 'done'; scanner: ResponseScanner }
  /** The response was a single ERR that `retryOn` accepted: nothing was forwarded. */
  | { type: 'retry'; err: ErrPacket; seq: number }
  /** The connection failed; `forwarded` tells whether any byte reached the client. */
  | { type: 'lost'; forwarded: boolean; lastSeq: number; error: Error };

/** Result of a command the proxy ran for itself (nothing forwarded). */
export interface InternalResult {
  /** Every response byte, headers included. */
  raw: Buffer;
  status: number;
  err?: ErrPacket;
  prepare?: PrepareOk;
  stateChanges: Buffer[];
}

const enum Mode {
  Handshake,
  Idle,
  Relay,
  Internal,
  Closed,
}

/** Sentinel for "current schema not known" (after a reset from the pool). */
export const UNKNOWN_SCHEMA = '\u0000unknown';

let nextLocalId = 1;

/**
 * One authenticated connection from the proxy to a MariaDB server, with the capabilities of one client
 * profile. Runs one command at a time: either relayed (response bytes forwarded to the client as they
 * arrive, scanned only for its end and status) or internal (collected for the proxy).
 */
export class BackendConnection {
  readonly id = nextLocalId++;
  readonly server: string;
  readonly profile: BackendProfile;
  caps = 0;
  /** MariaDB extended capabilities negotiated (= the profile's). */
  extCaps = 0;
  deprecateEof = false;
  #progress = false;
  connectionId = 0;
  serverVersion = '';
  /** Status flags after the last command (IN_TRANS, AUTOCOMMIT …). */
  status = 0;
  /** Current default schema (tracked from session-state changes; UNKNOWN_SCHEMA after a pool reset). */
  schema: string | undefined;
  /** Sequence number of the last session-history entry applied here (managed by the session). */
  historySeq = 0;
  /** Epoch ms when it went idle in the pool. */
  idleSince = 0;
  /** Called once when the socket closes (for whatever reason). */
  onClose: ((conn: BackendConnection, error: Error | undefined) => void) | undefined;

  readonly #socket: Socket;
  readonly #scanner = new ResponseScanner();
  #mode: Mode = Mode.Handshake;
  #closed = false;
  #closeError: Error | undefined;
  // relay
  #sink: RelaySink | undefined;
  #hold = false;
  #held: Buffer[] = [];
  #forwarded = false;
  #retryOn: ((err: ErrPacket) => boolean) | undefined;
  #onRelayDone: ((o: RelayOutcome) => void) | undefined;
  // internal
  #chunks: Buffer[] = [];
  #internalResolve: ((r: InternalResult) => void) | undefined;
  #internalReject: ((e: Error) => void) | undefined;
  // handshake
  #reader = new PacketReader(1 << 24);
  #onHandshakePacket: ((payload: Buffer, seq: number) => void) | undefined;

  private constructor(target: BackendTarget, profile: BackendProfile, socket: Socket) {
    this.server = target.name;
    this.profile = profile;
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', (err) => this.#shutdown(err));
    socket.on('close', () => this.#shutdown(undefined));
  }

  /** Connects and authenticates (mysql_native_password, auth switch handled). */
  static connect(
    target: BackendTarget,
    creds: BackendCredentials,
    profile: BackendProfile,
    timeoutMs: number,
    onGreeting?: (offer: ServerOffer) => void,
  ): Promise<BackendConnection> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: target.host, port: target.port });
      const conn = new BackendConnection(target, profile, socket);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.destroy();
        reject(err instanceof BackendConnectError ? err : new BackendConnectError(target.name, err.message, err));
      };
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      conn.onClose = (_c, err) => fail(err ?? new Error('connection closed during handshake'));
      let step = 0;
      conn.#onHandshakePacket = (payload, seq) => {
        try {
          if (step === 0) {
            step = 1;
            if (payload[0] === 0xff) throw new Error(readErr(payload).message);
            const g = readGreeting(payload);
            const need = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH;
            if ((g.capabilities & need) !== need) throw new Error('server lacks protocol 4.1 / plugin authentication');
            onGreeting?.({ capabilities: g.capabilities, extCapabilities: g.extCapabilities });
            if ((g.extCapabilities & profile.extCaps) !== profile.extCaps) {
              // the client got a metadata format this server cannot give: never mix formats in one session
              throw new Error(
                `server lacks MariaDB capabilities 0x${(profile.extCaps & ~g.extCapabilities).toString(16)} the client negotiated (it offers 0x${g.extCapabilities.toString(16)})`,
              );
            }
            conn.caps = (BACKEND_BASE_CAPABILITIES | profile.caps) & (g.capabilities | Cap.LONG_PASSWORD);
            // extended capabilities are only read by the server when CLIENT_MYSQL is unset
            if (profile.extCaps !== 0) conn.caps &= ~Cap.LONG_PASSWORD;
            conn.extCaps = profile.extCaps;
            conn.#progress = (profile.extCaps & MariaCap.PROGRESS) !== 0;
            conn.deprecateEof = (conn.caps & Cap.DEPRECATE_EOF) !== 0;
            conn.connectionId = g.connectionId;
            conn.serverVersion = g.serverVersion;
            const token = g.authPlugin === NATIVE_PASSWORD ? scramblePassword(creds.password, g.scramble) : Buffer.alloc(0);
            conn.#writeFramed(
              handshakeResponsePayload({
                capabilities: conn.caps,
                extCapabilities: conn.extCaps,
                maxPacket: 0x40000000,
                charset: profile.charset,
                user: creds.user,
                authResponse: token,
                authPlugin: NATIVE_PASSWORD,
              }),
              seq + 1,
            );
            return;
          }
          if (payload[0] === 0x00) {
            const ok = readOk(payload, conn.caps);
            conn.status = ok.status;
            conn.#mode = Mode.Idle;
            conn.#onHandshakePacket = undefined;
            conn.onClose = undefined;
            settled = true;
            clearTimeout(timer);
            const rest = conn.#reader.drain();
            if (rest.length > 0) throw new Error('unexpected data after authentication');
            resolve(conn);
            return;
          }
          if (payload[0] === 0xff) throw new Error(readErr(payload).message);
          if (payload[0] === 0xfe) {
            const sw = readAuthSwitch(payload);
            if (sw.plugin !== NATIVE_PASSWORD) throw new Error(`unsupported authentication plugin ${sw.plugin}`);
            conn.#writeFramed(scramblePassword(creds.password, sw.data), seq + 1);
            return;
          }
          throw new Error(`unexpected authentication packet 0x${payload[0]?.toString(16)}`);
        } catch (err) {
          fail(err as Error);
        }
      };
    });
  }

  get alive(): boolean {
    return !this.#closed;
  }

  get idle(): boolean {
    return this.#mode === Mode.Idle;
  }

  get inTransaction(): boolean {
    return (this.status & 0x1) !== 0;
  }

  /**
   * Sends a client command (wire bytes, sequence ids as the client sent them) and forwards the response
   * to `sink` as it arrives. With `retryOn`, the first packet is held back: a response that is a single
   * ERR accepted by `retryOn` is swallowed and reported as `retry`.
   */
  relayThen(raw: Buffer, kind: ResponseKind, sink: RelaySink, retryOn: ((err: ErrPacket) => boolean) | undefined, done: (o: RelayOutcome) => void): void {
    if (this.#closed) {
      done({ type: 'lost', forwarded: false, lastSeq: 0, error: this.#closeError ?? new Error('connection closed') });
      return;
    }
    this.#mode = Mode.Relay;
    this.#sink = sink;
    this.#retryOn = retryOn;
    this.#hold = retryOn !== undefined;
    this.#held.length = 0;
    this.#forwarded = false;
    this.#scanner.start(kind, this.caps, this.deprecateEof, this.#progress);
    this.#onRelayDone = done;
    this.#socket.write(raw);
  }

  /** Runs a command for the proxy itself and collects the whole response. */
  command(payload: Buffer, kind: ResponseKind): Promise<InternalResult> {
    if (this.#closed) return Promise.reject(new BackendLostError(this.server, this.#closeError?.message ?? 'connection closed'));
    this.#mode = Mode.Internal;
    this.#chunks = [];
    this.#scanner.start(kind, this.caps, this.deprecateEof, this.#progress);
    const p = new Promise<InternalResult>((resolve, reject) => {
      this.#internalResolve = resolve;
      this.#internalReject = reject;
    });
    this.#socket.write(framePackets(payload, 0));
    return p;
  }

  /** A query for the proxy itself (COM_QUERY). */
  query(sql: string): Promise<InternalResult> {
    return this.command(Buffer.concat([Buffer.from([Cmd.QUERY]), Buffer.from(sql, 'utf8')]), ResponseKind.Query);
  }

  /** Sends a command that has no response (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT). */
  sendNoReply(raw: Buffer): void {
    if (!this.#closed) this.#socket.write(raw);
  }

  destroy(error?: Error): void {
    this.#shutdown(error);
    this.#socket.destroy();
  }

  // ------------------------------------------------------------------ data path

  #onData = (chunk: Buffer): void => {
    switch (this.#mode) {
      case Mode.Relay:
        this.#relayData(chunk);
        return;
      case Mode.Internal:
        this.#internalData(chunk);
        return;
      case Mode.Handshake:
        this.#reader.push(chunk);
        try {
          for (let m = this.#reader.next(); m && this.#onHandshakePacket; m = this.#reader.next()) this.#onHandshakePacket(m.payload, m.lastSeq);
        } catch (err) {
          this.destroy(err as Error);
        }
        return;
      default:
        // the server speaks without being asked (e.g. an ERR before closing an idle connection)
        this.destroy(new BackendProtocolError(this.server, 'unexpected data on an idle connection'));
    }
  };

  /**
   * Feeds a response chunk to the scanner: the end offset (-1 while the response goes on), or
   * undefined after destroying the connection for a malformed response or bytes after its end.
   */
  #scan(chunk: Buffer): number | undefined {
    let end: number;
    try {
      end = this.#scanner.feed(chunk);
    } catch (err) {
      this.destroy(new BackendProtocolError(this.server, (err as Error).message));
      return undefined;
    }
    if (end >= 0 && end < chunk.length) {
      this.destroy(new BackendProtocolError(this.server, 'data after the end of a response'));
      return undefined;
    }
    return end;
  }

  #relayData(chunk: Buffer): void {
    const end = this.#scan(chunk);
    if (end === undefined) return;
    const sc = this.#scanner;
    if (this.#hold) {
      this.#held.push(chunk);
      if (sc.firstPacket === undefined && !sc.done) return;
      this.#hold = false;
      if (sc.done && sc.err && sc.packets === 1 && this.#retryOn!(sc.err)) {
        this.#held.length = 0;
        this.#finishRelay({ type: 'retry', err: sc.err, seq: sc.lastSeq });
        return;
      }
      const data = this.#held.length === 1 ? this.#held[0]! : Buffer.concat(this.#held);
      this.#held.length = 0;
      this.#forward(data);
    } else this.#forward(chunk);
    if (end >= 0) {
      if (!sc.err) this.status = sc.status;
      this.#finishRelay({ type: 'done', scanner: sc });
    }
  }

  #forward(data: Buffer): void {
    this.#forwarded = true;
    if (!this.#sink!.write(data)) {
      this.#socket.pause();
      this.#sink!.onDrain(() => this.#socket.resume());
    }
  }

  #finishRelay(o: RelayOutcome): void {
    this.#mode = Mode.Idle;
    this.#sink = undefined;
    this.#retryOn = undefined;
    const done = this.#onRelayDone;
    this.#onRelayDone = undefined;
    done?.(o);
  }

  #internalData(chunk: Buffer): void {
    const end = this.#scan(chunk);
    if (end === undefined) return;
    const sc = this.#scanner;
    this.#chunks.push(chunk);
    if (end < 0) return;
    if (!sc.err) this.status = sc.status;
    const result: InternalResult = {
      raw: this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks),
      status: sc.status,
      err: sc.err,
      prepare: sc.prepare,
      stateChanges: sc.stateChanges,
    };
    this.#chunks = [];
    this.#mode = Mode.Idle;
    const resolve = this.#internalResolve;
    this.#internalResolve = undefined;
    this.#internalReject = undefined;
    resolve?.(result);
  }

  #writeFramed(payload: Buffer, seq: number): void {
    this.#socket.write(framePackets(payload, seq));
  }

  #shutdown(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    const mode = this.#mode;
    this.#mode = Mode.Closed;
    if (mode === Mode.Relay) {
      const lastSeq = this.#scanner.lastSeq;
      const forwarded = this.#forwarded;
      this.#held.length = 0;
      const done = this.#onRelayDone;
      this.#onRelayDone = undefined;
      this.#sink = undefined;
      done?.({ type: 'lost', forwarded, lastSeq, error: error ?? new Error('connection closed by the server') });
    } else if (mode === Mode.Internal) {
      const rej = this.#internalReject;
      this.#internalResolve = undefined;
      this.#internalReject = undefined;
      rej?.(new BackendLostError(this.server, error?.message ?? 'connection closed by the server'));
    }
    const cb = this.onClose;
    this.onClose = undefined;
    cb?.(this, error);
  }
}
