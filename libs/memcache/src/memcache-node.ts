import memjs from 'memjs';
import type { Response as MemjsResponse } from 'memjs';
import { MemcacheError, type MemcacheErrorCode } from './memcache-error.js';
import { Op, RESPONSE_MAGIC, Status, frame, statusText, storeExtras, touchExtras } from './protocol.js';

/** Health state of one node: `up` takes traffic, `tko` ("technical knock-out") is skipped and probed. */
export type NodeState = 'up' | 'tko';

/** What one call to a node ended with (the `result` label of the per-node metrics). */
export type CallOutcome =
  | 'ok'
  | 'miss'
  | 'exists'
  | 'not_stored'
  | 'too_large'
  | 'server_error'
  | 'timeout'
  | 'connection_error'
  | 'protocol_error'
  | 'node_down';

/**
 * Why a node entered warm-up: it came back from TKO, it restarted behind our back, it joined the ring,
 * or another node left and it took over some keys.
 */
export type WarmupReason = 'rejoined' | 'restarted' | 'joined' | 'rebalanced';

/** Observer of one node's calls and state changes (wired by the ring into {@link RingObserver}). */
export interface NodeEvents {
  call(node: string, op: string, outcome: CallOutcome, seconds: number): void;
  state(node: string, state: NodeState, reason: string): void;
  /** The node came back (rejoined after TKO, or restarted behind our back) and is warming up. */
  warming(node: string, reason: WarmupReason): void;
}

export interface MemcacheNodeOptions {
  /** Bound on every call, ms. */
  timeoutMs: number;
  /** Bound on opening a connection, ms. */
  connectTimeoutMs: number;
  /** Consecutive timeouts or protocol errors before the node is marked TKO. */
  failuresUntilTko: number;
  /** First probe delay after TKO, ms; doubles (with jitter) up to `probeMaxMs`. */
  probeInitialMs: number;
  probeMaxMs: number;
  /** Interval of the background `stats` poll that notices dead idle nodes and restarts; 0 = off. */
  healthIntervalMs: number;
  /** How long a node that came back stays in warm-up (reads also repair it), ms; 0 = no warm-up. */
  warmupMs: number;
  now: () => number;
  events: NodeEvents;
}

/** An item as read from one node. */
export interface NodeItem {
  value: Buffer;
  flags: number;
  /** The node's 8-byte CAS unique. */
  cas: Buffer;
}

export type StoreResult = 'stored' | 'exists' | 'not_found' | 'not_stored';
export type DeleteResult = 'deleted' | 'not_found' | 'exists';

/** Snapshot of a node for status pages and `/readyz`. */
export interface NodeStatus {
  address: string;
  state: NodeState;
  warming: boolean;
  consecutiveFailures: number;
  /** Times the node was marked TKO since start. */
  tkoCount: number;
  /** When the current state began (Unix ms). */
  since: number;
  lastError?: string;
}

/** Errors that mean the peer is gone (connection refused/reset): the node goes TKO at once ("hard TKO"). */
const HARD_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

type Handler = ((res: MemjsResponse) => void) & { quiet?: boolean };

/**
 * One memcached server behind one memjs client. Adds what memjs lacks: a timer on every call (memjs's
 * own timeout is an idle-socket timeout that steady traffic to a hung server keeps pushing back),
 * CAS on set/add/replace/delete, quiet multi-get, `stats`, response validation, and mcrouter-style TKO:
 * after `failuresUntilTko` consecutive soft failures (timeouts, garbage) or one hard failure (refused,
 * reset) the node is "TKO": calls fail at once without I/O, the memjs client is thrown away (its
 * socket and parse buffer may be poisoned) and a `version` probe runs with exponential back-off until
 * the node answers, when it rejoins and enters warm-up.
 */
export class MemcacheNode {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly #o: MemcacheNodeOptions;
  #client: memjs.Client;
  #generation = 0;
  #state: NodeState = 'up';
  #since: number;
  #failures = 0;
  #tkoCount = 0;
  #lastError: string | undefined;
  #probeDelay: number;
  #probeTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #warmingUntil = 0;
  #serverId: { pid: string; uptime: number } | undefined;
  #closed = false;

  constructor(address: string, options: MemcacheNodeOptions) {
    const m = /^(.+):(\d{1,5})$/.exec(address);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_OPTION', `node address must be host:port, got ${JSON.stringify(address)}`);
    }
    this.address = address;
    this.host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(m[2]);
    this.#o = options;
    this.#since = options.now();
    this.#probeDelay = options.probeInitialMs;
    this.#client = this.#newClient();
    if (options.healthIntervalMs > 0) this.#scheduleHealth(options.healthIntervalMs);
  }

  get state(): NodeState {
    return this.#state;
  }

  /** Up and not closed: calls are sent. */
  get available(): boolean {
    return this.#state === 'up' && !this.#closed;
  }

  /** In warm-up after coming back: reads of its keys also repair it. */
  get warming(): boolean {
    return this.#state === 'up' && this.#warmingUntil > this.#o.now();
  }

  status(): NodeStatus {
    const s: NodeStatus = {
      address: this.address,
      state: this.#state,
      warming: this.warming,
      consecutiveFailures: this.#failures,
      tkoCount: this.#tkoCount,
      since: this.#since,
    };
    if (this.#lastError !== undefined) s.lastError = this.#lastError;
    return s;
  }

  /** GET: the item or null on a miss. */
  get(key: Buffer): Promise<NodeItem | null> {
    return this.#single('get', (seq) => frame(Op.get, seq, key), (res) => {
      if (res.header.status === Status.ok) return [okItem(res), 'ok'];
      if (res.header.status === Status.keyNotFound) return [null, 'miss'];
      return serverError(res);
    });
  }

  /** SET / ADD / REPLACE, with a CAS check when `cas` is given. */
  store(
    op: 'set' | 'add' | 'replace',
    key: Buffer,
    value: Buffer,
    flags: number,
    exptime: number,
    cas?: Buffer,
  ): Promise<StoreResult> {
    const opcode = Op[op];
    const extras = storeExtras(flags, exptime);
    return this.#single(cas ? 'cas' : op, (seq) => frame(opcode, seq, key, extras, value, cas), (res) => {
      switch (res.header.status) {
        case Status.ok:
          return ['stored', 'ok'];
        case Status.keyExists:
          // add on an existing key answers "exists"; set/replace with a stale CAS too.
          return [op === 'add' ? 'not_stored' : 'exists', 'exists'];
        case Status.keyNotFound:
          return ['not_found', 'miss'];
        case Status.notStored:
          return ['not_stored', 'not_stored'];
        case Status.valueTooLarge:
          throw new MemcacheError('MEMCACHE_ERR_TOO_LARGE', `${this.address}: value too large`, { node: this.address });
        default:
          return serverError(res);
      }
    });
  }

  /** DELETE, with a CAS check when `cas` is given. */
  delete(key: Buffer, cas?: Buffer): Promise<DeleteResult> {
    return this.#single('delete', (seq) => frame(Op.delete, seq, key, undefined, undefined, cas), (res) => {
      if (res.header.status === Status.ok) return ['deleted', 'ok'];
      if (res.header.status === Status.keyNotFound) return ['not_found', 'miss'];
      if (res.header.status === Status.keyExists) return ['exists', 'exists'];
      return serverError(res);
    });
  }

  /** TOUCH: sets a new exptime; false when the key is absent. */
  touch(key: Buffer, exptime: number): Promise<boolean> {
    const extras = touchExtras(exptime);
    return this.#single('touch', (seq) => frame(Op.touch, seq, key, extras), (res) => {
      if (res.header.status === Status.ok) return [true, 'ok'];
      if (res.header.status === Status.keyNotFound) return [false, 'miss'];
      return serverError(res);
    });
  }

  /** Multi-get in one round trip: a quiet GETKQ per key (misses stay silent) closed by a NOOP. */
  getMulti(keys: Buffer[]): Promise<Map<string, NodeItem>> {
    const found = new Map<string, NodeItem>();
    if (keys.length === 0) return Promise.resolve(found);
    return this.#multi(
      'get_multi',
      (seq) => Buffer.concat([...keys.map((k) => frame(Op.getkq, seq, k)), frame(Op.noop, seq)]),
      (res) => {
        if (res.header.opcode === Op.noop) return true;
        if (res.header.opcode !== Op.getkq) throw protocolError(this.address, `unexpected opcode 0x${res.header.opcode.toString(16)}`);
        if (res.header.status === Status.ok) found.set(res.key.toString(), okItem(res));
        return false;
      },
      () => [found, found.size > 0 ? 'ok' : 'miss'],
    );
  }

  /** VERSION (the TKO probe). */
  version(probe = false): Promise<string> {
    return this.#single('version', (seq) => frame(Op.version, seq), (res) => {
      if (res.header.status !== Status.ok) return serverError(res);
      return [res.val.toString(), 'ok'];
    }, probe);
  }

  /** General-purpose `stats` as name → value. */
  stats(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    return this.#multi(
      'stats',
      (seq) => frame(Op.stat, seq),
      (res) => {
        if (res.header.opcode !== Op.stat) throw protocolError(this.address, `unexpected opcode 0x${res.header.opcode.toString(16)}`);
        if (res.header.status !== Status.ok) serverError(res);
        if (res.key.length === 0) return true;
        out[res.key.toString()] = res.val.toString();
        return false;
      },
      () => [out, 'ok'],
    );
  }

  /** Marks the node TKO now (e.g. removed from service by an operator or a test). */
  markDown(reason: string): void {
    this.#goTko(reason);
  }

  /** Runs one health check now (the background `stats` poll); resolves when it has finished. */
  async checkNow(): Promise<void> {
    if (this.#closed) return;
    if (this.#state === 'tko') {
      await this.#probe();
      return;
    }
    await this.#healthCheck();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#healthTimer);
    this.#resetConnection(new Error('client closed'));
  }

  // --- calls ----------------------------------------------------------------------------------------

  /** One request, one response, through memjs's `perform`. `interpret` maps the response. */
  #single<T>(
    op: string,
    build: (seq: number) => Buffer,
    interpret: (res: MemjsResponse) => [T, CallOutcome],
    probe = false,
  ): Promise<T> {
    return this.#call(op, probe, (client, seq, finish) => {
      const expected = build(seq);
      const opcode = expected[1];
      client.perform(
        '',
        expected,
        seq,
        (err: Error | string | null, res?: MemjsResponse) => {
          if (err || !res) {
            finish(connectionError(this.address, err));
            return;
          }
          try {
            if (res.header.magic !== RESPONSE_MAGIC || res.header.opcode !== opcode) {
              throw protocolError(this.address, `response magic 0x${res.header.magic.toString(16)} opcode 0x${res.header.opcode.toString(16)} for request opcode 0x${opcode!.toString(16)}`);
            }
            const [value, outcome] = interpret(res);
            finish(undefined, value, outcome);
          } catch (e) {
            finish(e);
          }
        },
        1, // memjs: one attempt; retries and failover are ours
      );
    });
  }

  /** A request answered by several responses with one opaque (quiet gets + noop, stats). */
  #multi<T>(
    op: string,
    build: (seq: number) => Buffer,
    onEach: (res: MemjsResponse) => boolean,
    done: () => [T, CallOutcome],
  ): Promise<T> {
    return this.#call(op, false, (client, seq, finish) => {
      const server = client.servers[0]!;
      const handler: Handler = (res) => {
        try {
          if (res.header.magic !== RESPONSE_MAGIC) throw protocolError(this.address, `response magic 0x${res.header.magic.toString(16)}`);
          if (onEach(res)) {
            const [value, outcome] = done();
            finish(undefined, value, outcome);
          }
        } catch (e) {
          finish(e);
        }
      };
      // memjs keeps a quiet handler registered until a response with an empty body (noop / end of stats).
      handler.quiet = true;
      server.onResponse(seq, handler);
      server.onError(seq, (err: Error | string) => finish(connectionError(this.address, err)));
      server.write(build(seq));
    });
  }

  #call<T>(
    op: string,
    probe: boolean,
    send: (client: memjs.Client, seq: number, finish: (err: unknown, value?: T, outcome?: CallOutcome) => void) => void,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new MemcacheError('MEMCACHE_ERR_CLOSED', 'the client is closed', { node: this.address }));
    if (this.#state === 'tko' && !probe) {
      this.#o.events.call(this.address, op, 'node_down', 0);
      return Promise.reject(new MemcacheError('MEMCACHE_ERR_NODE_DOWN', `${this.address} is marked down (TKO)`, { node: this.address }));
    }
    return new Promise<T>((resolve, reject) => {
      const client = this.#client;
      const generation = this.#generation;
      client.incrSeq();
      const seq = client.seq;
      const started = performance.now();
      let settled = false;
      const finish = (err: unknown, value?: T, outcome?: CallOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const seconds = (performance.now() - started) / 1000;
        const result = err === undefined ? (outcome ?? 'ok') : outcomeOf(err);
        this.#o.events.call(this.address, op, result, seconds);
        if (generation === this.#generation) this.#account(result, err, probe);
        if (err === undefined) resolve(value as T);
        else reject(err);
      };
      const timer = setTimeout(
        () => finish(new MemcacheError('MEMCACHE_ERR_TIMEOUT', `${this.address}: ${op} timed out after ${this.#o.timeoutMs} ms`, { node: this.address })),
        this.#o.timeoutMs,
      );
      try {
        send(client, seq, finish);
      } catch (e) {
        finish(connectionError(this.address, e));
      }
    });
  }

  // --- health ---------------------------------------------------------------------------------------

  #account(outcome: CallOutcome, err: unknown, probe: boolean): void {
    if (probe) return; // probes are judged by #probe
    switch (outcome) {
      case 'timeout':
      case 'protocol_error':
        this.#lastError = errorText(err);
        this.#failures++;
        if (outcome === 'protocol_error') this.#resetConnection(err); // the byte stream can no longer be trusted
        if (this.#failures >= this.#o.failuresUntilTko) this.#goTko(`${this.#failures} consecutive failures, last: ${this.#lastError}`);
        return;
      case 'connection_error': {
        this.#lastError = errorText(err);
        this.#failures++;
        const hard = err instanceof MemcacheError && err.cause instanceof Error && HARD_ERRORS.has((err.cause as NodeJS.ErrnoException).code ?? '');
        if (hard || this.#failures >= this.#o.failuresUntilTko) this.#goTko(this.#lastError);
        return;
      }
      case 'node_down':
        return;
      default:
        this.#failures = 0; // the node answered
    }
  }

  #goTko(reason: string): void {
    if (this.#closed || this.#state === 'tko') return;
    this.#state = 'tko';
    this.#since = this.#o.now();
    this.#tkoCount++;
    this.#failures = 0;
    this.#warmingUntil = 0;
    this.#resetConnection(new Error(`marked down: ${reason}`));
    this.#o.events.state(this.address, 'tko', reason);
    this.#probeDelay = this.#o.probeInitialMs;
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    if (this.#closed) return;
    const jitter = 0.9 + Math.random() * 0.2;
    this.#probeTimer = setTimeout(() => void this.#probe(), Math.round(this.#probeDelay * jitter));
    this.#probeTimer.unref();
  }

  async #probe(): Promise<void> {
    if (this.#closed || this.#state !== 'tko') return;
    clearTimeout(this.#probeTimer);
    try {
      await this.version(true);
      if (this.#closed || this.#state !== 'tko') return;
      this.#state = 'up';
      this.#since = this.#o.now();
      this.#failures = 0;
      this.#serverId = undefined;
      this.#o.events.state(this.address, 'up', 'probe answered');
      this.startWarmup('rejoined');
      void this.#healthCheck(); // learn the server's pid/uptime
    } catch (err) {
      this.#lastError = errorText(err);
      this.#resetConnection(err);
      this.#probeDelay = Math.min(this.#probeDelay * 2, this.#o.probeMaxMs);
      this.#scheduleProbe();
    }
  }

  /** Enters warm-up for `warmupMs` (reads of the node's keys also copy them to it). */
  startWarmup(reason: WarmupReason): void {
    if (this.#o.warmupMs <= 0 || this.#closed) return;
    this.#warmingUntil = this.#o.now() + this.#o.warmupMs;
    this.#o.events.warming(this.address, reason);
  }

  #scheduleHealth(ms: number): void {
    this.#healthTimer = setTimeout(() => {
      void this.#healthCheck().finally(() => {
        if (!this.#closed) this.#scheduleHealth(this.#o.healthIntervalMs);
      });
    }, ms);
    this.#healthTimer.unref();
  }

  /** `stats` poll: a failure counts like any call; a new pid or a smaller uptime means a restart. */
  async #healthCheck(): Promise<void> {
    if (this.#closed || this.#state !== 'up') return;
    try {
      const stats = await this.stats();
      const id = { pid: stats.pid ?? '', uptime: Number(stats.uptime ?? 0) };
      const prev = this.#serverId;
      this.#serverId = id;
      if (prev && (prev.pid !== id.pid || id.uptime < prev.uptime)) this.startWarmup('restarted');
    } catch {
      // counted by #account; a dead idle node goes TKO here
    }
  }

  #newClient(): memjs.Client {
    const timeoutS = Math.max(1, (this.#o.timeoutMs * 4) / 1000); // memjs's own timer is only a backstop
    return memjs.Client.create(`${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`, {
      retries: 1,
      failover: false,
      timeout: timeoutS,
      conntimeout: this.#o.connectTimeoutMs / 1000,
      keepAlive: true,
      keepAliveDelay: 30,
      logger: { log() {} },
    });
  }

  /** Fails whatever is in flight on the current connection and starts a fresh memjs client. */
  #resetConnection(reason: unknown): void {
    const old = this.#client;
    this.#generation++;
    if (!this.#closed) this.#client = this.#newClient();
    try {
      old.servers[0]?.error(reason instanceof Error ? reason : new Error(String(reason)));
    } catch {
      // already torn down
    }
  }
}

function okItem(res: MemjsResponse): NodeItem {
  return {
    value: res.val,
    flags: res.extras.length >= 4 ? res.extras.readUInt32BE(0) : 0,
    cas: Buffer.from(res.header.cas),
  };
}

function serverError(res: MemjsResponse): never {
  throw new MemcacheError('MEMCACHE_ERR_SERVER', `server answered: ${statusText(res.header.status)}`);
}

function protocolError(node: string, message: string): MemcacheError {
  return new MemcacheError('MEMCACHE_ERR_PROTOCOL', `${node}: malformed response: ${message}`, { node });
}

function connectionError(node: string, err: unknown): MemcacheError {
  if (err instanceof MemcacheError) return err;
  const text = errorText(err);
  return new MemcacheError('MEMCACHE_ERR_CONNECTION', `${node}: ${text}`, { node, cause: err instanceof Error ? err : undefined });
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const OUTCOME_BY_CODE: Partial<Record<MemcacheErrorCode, CallOutcome>> = {
  MEMCACHE_ERR_TIMEOUT: 'timeout',
  MEMCACHE_ERR_CONNECTION: 'connection_error',
  MEMCACHE_ERR_PROTOCOL: 'protocol_error',
  MEMCACHE_ERR_TOO_LARGE: 'too_large',
  MEMCACHE_ERR_SERVER: 'server_error',
  MEMCACHE_ERR_NODE_DOWN: 'node_down',
  MEMCACHE_ERR_CLOSED: 'node_down',
};

function outcomeOf(err: unknown): CallOutcome {
  if (err instanceof MemcacheError) return OUTCOME_BY_CODE[err.code] ?? 'connection_error';
  return 'connection_error';
}
