import { EventEmitter } from 'node:events';
import { acquireControlLock, CONTROL_LOCK_NAME, type ControlLock } from './control-lock.js';
import { decideWriter, type WriterDecision } from './decide-writer.js';
import type { Credentials } from './master-master.js';
import {
  failover,
  fenceServer,
  promoteServer,
  rejoin,
  switchover,
  type FailoverResult,
  type RejoinResult,
  type SwitchoverResult,
} from './promotion.js';
import { ReplicationError } from './replication-error.js';
import { ServerMonitor, type NamedEndpoint, type ServerSnapshot } from './server-monitor.js';

export type ServerRole = 'writer' | 'reader' | 'down' | 'unknown';

/** A server as the controller sees it after a monitoring round. */
export interface ServerView extends ServerSnapshot {
  role: ServerRole;
  /** Seconds_Behind_Master of its replica side; null when it does not replicate (or has no replica side). */
  lagSeconds: number | null;
  /** Replica I/O and SQL threads both running. */
  replicating: boolean;
}

export type ControlActionKind = 'failover' | 'switchover' | 'fence' | 'elect' | 'rejoin';

/** One replication-control action this controller performed (or tried). */
export interface ControlAction {
  kind: ControlActionKind;
  /** The server promoted, fenced or rejoined. */
  server: string;
  /** The previous writer (failover, switchover). */
  from?: string;
  ok: boolean;
  code?: string;
  error?: string;
  durationMs: number;
  at: string;
  detail?: Record<string, unknown>;
}

/** Minimal logger (pino-compatible). */
export interface ControlLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ReplicationControllerOptions {
  /** The servers, in preference order (the same order in every proxy), with the admin account. */
  servers: NamedEndpoint[];
  /** Delay between monitoring rounds. Default 250 ms. */
  intervalMs?: number;
  /** Per-check timeout. Default 1000 ms. */
  timeoutMs?: number;
  rise?: number;
  fall?: number;
  /** Promote automatically (failover of a dead writer, election when no server is writable). Default true. */
  autoFailover?: boolean;
  /** How long a promotion candidate may take to apply what it received / catch up. Default 10 s. */
  applyTimeoutMs?: number;
  /** Advisory lock name shared by every proxy of the pair. */
  lockName?: string;
  /** Replication account for rejoin when a server must be re-pointed. Default repl/repl. */
  repl?: Credentials;
  logger?: ControlLogger;
}

export interface ReplicationControllerEvents {
  writer: [writer: string | undefined, previous: string | undefined];
  round: [views: ServerView[]];
  action: [action: ControlAction];
}

const NOOP_LOGGER: ControlLogger = { info() {}, warn() {}, error() {} };
const MIN_ROUND_GAP_MS = 40;
const RETRY_BACKOFF_MS = 1000;

/**
 * Monitors a master-master pair and keeps it with exactly one writer:
 *
 * - every `intervalMs` it probes each server (health with rise/fall, read_only, GTID positions,
 *   replica threads, lag, semi-sync, promotion records) and applies {@link decideWriter};
 * - it fences extra writable servers (read_only=ON), fails over when the writer is confirmed dead (this
 *   proxy's checks failed `fall` times and the peer's replica I/O thread lost it too), and elects a
 *   writer when none is writable and every server is up (the most advanced one);
 * - it performs manual switchover and rejoin on request.
 *
 * Every action runs under the control lock (GET_LOCK on every reachable server), re-probes first and
 * re-checks its preconditions, so several proxies running controllers never act twice. There is no
 * automatic fail-back: a recovered old writer stays read_only until an operator switches over.
 */
export class ReplicationController extends EventEmitter<ReplicationControllerEvents> {
  readonly #opts: Required<Omit<ReplicationControllerOptions, 'repl' | 'logger'>> & Pick<ReplicationControllerOptions, 'repl'>;
  readonly #log: ControlLogger;
  readonly #monitors: ServerMonitor[];
  #views: ServerView[] = [];
  #decision: WriterDecision = { writer: undefined, fence: [], epoch: 0, reason: 'not checked yet' };
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #lastRoundAt = 0;
  #nudged = false;
  #stopped = true;
  #op: Promise<unknown> | undefined;
  #opKind: ControlActionKind | undefined;
  #retryAt = new Map<string, number>();
  #actions: ControlAction[] = [];
  #firstRound: Promise<void>;
  #resolveFirst!: () => void;

  constructor(options: ReplicationControllerOptions) {
    super();
    if (options.servers.length < 1) throw new ReplicationError('REPL_ERR_CONFIG', 'at least one server is needed');
    const names = new Set(options.servers.map((s) => s.name));
    if (names.size !== options.servers.length) throw new ReplicationError('REPL_ERR_CONFIG', 'server names must be unique');
    this.#opts = {
      servers: options.servers,
      intervalMs: options.intervalMs ?? 250,
      timeoutMs: options.timeoutMs ?? 1000,
      rise: options.rise ?? 2,
      fall: options.fall ?? 3,
      autoFailover: options.autoFailover ?? true,
      applyTimeoutMs: options.applyTimeoutMs ?? 10_000,
      lockName: options.lockName ?? CONTROL_LOCK_NAME,
      repl: options.repl,
    };
    this.#log = options.logger ?? NOOP_LOGGER;
    this.#monitors = options.servers.map(
      (e) => new ServerMonitor(e, { timeoutMs: this.#opts.timeoutMs, rise: this.#opts.rise, fall: this.#opts.fall }),
    );
    this.#firstRound = new Promise((r) => (this.#resolveFirst = r));
    this.#views = this.#monitors.map((m) => toView(m.snapshot, undefined));
  }

  /** Starts monitoring; resolves after the first round. */
  start(): Promise<void> {
    if (this.#stopped) {
      this.#stopped = false;
      this.#schedule(0);
    }
    return this.#firstRound;
  }

  /** Stops monitoring and waits for a running action to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round?.catch(() => {});
    await this.#op?.catch(() => {});
    for (const m of this.#monitors) m.close();
  }

  /** The agreed writer, or undefined (none writable, or not checked yet). */
  get writer(): string | undefined {
    return this.#decision.writer;
  }

  /** Newest promotion epoch seen. */
  get epoch(): number {
    return this.#decision.epoch;
  }

  get decision(): WriterDecision {
    return this.#decision;
  }

  /** The action in progress, if any. */
  get busy(): ControlActionKind | undefined {
    return this.#opKind;
  }

  /** Latest view of every server, in configured order. */
  views(): ServerView[] {
    return this.#views;
  }

  view(name: string): ServerView | undefined {
    return this.#views.find((v) => v.name === name);
  }

  /** The last actions (newest last, at most 50). */
  actions(): ControlAction[] {
    return [...this.#actions];
  }

  endpoint(name: string): NamedEndpoint {
    const e = this.#opts.servers.find((s) => s.name === name);
    if (!e) throw new ReplicationError('REPL_ERR_UNKNOWN_SERVER', `unknown server ${JSON.stringify(name)}`);
    return e;
  }

  /** Asks for a monitoring round as soon as possible (e.g. after a proxy saw a connection to the writer fail). */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#round) {
      this.#nudged = true;
      return;
    }
    this.#schedule(Math.max(0, this.#lastRoundAt + MIN_ROUND_GAP_MS - Date.now()));
  }

  /** Runs a fresh monitoring round now (after any running one) and returns the views. */
  async refresh(): Promise<ServerView[]> {
    await this.#round?.catch(() => {});
    await this.#runRound();
    return this.#views;
  }

  /**
   * Planned writer change with zero lost writes (see {@link switchover}). `beforeFence` runs once the
   * lock is held and the preconditions hold, right before the writer is fenced (a proxy stops sending new
   * writes and waits for open transactions there).
   */
  switchover(options: { to?: string; beforeFence?: () => Promise<void> } = {}): Promise<SwitchoverResult> {
    return this.#action('switchover', 2, async () => {
      const from = this.#decision.writer;
      if (!from) throw new ReplicationError('REPL_ERR_NO_WRITER', 'no writer to switch over from');
      const to = options.to ?? this.#views.find((v) => v.name !== from && v.health === 'up')?.name;
      if (!to) throw new ReplicationError('REPL_ERR_NO_CANDIDATE', 'no healthy server to switch over to');
      if (to === from) throw new ReplicationError('REPL_ERR_ALREADY_WRITER', `${to} is already the writer`);
      const target = this.view(to);
      if (!target) throw new ReplicationError('REPL_ERR_UNKNOWN_SERVER', `unknown server ${JSON.stringify(to)}`);
      if (target.health !== 'up') throw new ReplicationError('REPL_ERR_NO_CANDIDATE', `${to} is not healthy`);
      const result = await switchover(this.endpoint(from), this.endpoint(to), {
        epoch: this.#decision.epoch + 1,
        catchUpTimeoutMs: this.#opts.applyTimeoutMs,
        beforeFence: options.beforeFence,
      });
      return { server: to, from, result };
    });
  }

  /** Re-attaches a fenced former writer as a replica of the writer and restores master-master replication. */
  rejoin(name: string, options: { force?: boolean } = {}): Promise<RejoinResult> {
    return this.#action('rejoin', 2, async () => {
      const writer = this.#decision.writer;
      if (!writer) throw new ReplicationError('REPL_ERR_NO_WRITER', 'no writer to rejoin to');
      if (writer === name) throw new ReplicationError('REPL_ERR_ALREADY_WRITER', `${name} is the writer`);
      const v = this.view(name);
      if (!v) throw new ReplicationError('REPL_ERR_UNKNOWN_SERVER', `unknown server ${JSON.stringify(name)}`);
      if (v.health !== 'up') throw new ReplicationError('REPL_ERR_NO_CANDIDATE', `${name} is not healthy`);
      const result = await rejoin(this.endpoint(name), this.endpoint(writer), {
        force: options.force,
        repl: this.#opts.repl,
        timeoutMs: this.#opts.applyTimeoutMs,
      });
      return { server: name, from: writer, result };
    });
  }

  // ---------------------------------------------------------------- monitoring loop

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const started = Date.now();
    try {
      await this.#runRound();
      this.#maybeAct();
    } catch (err) {
      this.#log.error({ err }, 'replication monitoring round failed');
    }
    if (this.#stopped) return;
    if (this.#nudged) {
      this.#nudged = false;
      this.#schedule(MIN_ROUND_GAP_MS);
    } else {
      this.#schedule(Math.max(0, this.#opts.intervalMs - (Date.now() - started)));
    }
  }

  #runRound(): Promise<void> {
    if (this.#round) return this.#round;
    this.#lastRoundAt = Date.now();
    this.#round = (async () => {
      await Promise.all(this.#monitors.map((m) => m.check()));
      this.#evaluate();
    })().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  #evaluate(): void {
    const snaps = this.#monitors.map((m) => m.snapshot);
    const decision = decideWriter(
      snaps.map((s) => ({
        name: s.name,
        up: s.health === 'up',
        readOnly: s.probe?.readOnly,
        serverId: s.probe?.serverId,
        epoch: s.probe?.epoch,
      })),
    );
    const previous = this.#decision.writer;
    this.#decision = decision;
    this.#views = snaps.map((s) => toView(s, decision.writer));
    this.emit('round', this.#views);
    if (decision.writer !== previous) {
      this.#log.info({ writer: decision.writer ?? null, previous: previous ?? null, reason: decision.reason }, 'writer changed');
      this.emit('writer', decision.writer, previous);
    }
    this.#resolveFirst();
  }

  #maybeAct(): void {
    if (this.#op || this.#stopped) return;
    const d = this.#decision;
    if (d.fence.length > 0) {
      this.#background('fence', () => this.#fenceExtra());
      return;
    }
    if (d.writer || !this.#opts.autoFailover) return;
    const views = this.#views;
    const down = views.filter((v) => v.health === 'down');
    const up = views.filter((v) => v.health === 'up');
    if (down.length > 0 && up.length === 1) {
      const candidate = up[0]!;
      const io = candidate.probe?.slave?.ioRunning;
      if (candidate.probe?.readOnly && io !== undefined && io !== 'Yes') {
        this.#background('failover', () => this.#failover(down[0]!.name, candidate.name));
      }
      return;
    }
    if (down.length === 0 && up.length === views.length && up.every((v) => v.probe?.readOnly)) {
      this.#background('elect', () => this.#elect());
    }
  }

  #background(kind: ControlActionKind, fn: () => Promise<unknown>): void {
    const at = this.#retryAt.get(kind) ?? 0;
    if (Date.now() < at) return;
    void fn().catch((err: unknown) => {
      this.#retryAt.set(kind, Date.now() + RETRY_BACKOFF_MS);
      const code = (err as { code?: string }).code;
      if (code !== 'REPL_ERR_LOCK_BUSY' && code !== 'REPL_ERR_PRECONDITION') this.#log.warn({ err, kind }, 'replication action failed');
    });
  }

  async #fenceExtra(): Promise<unknown> {
    return this.#action('fence', 0, async () => {
      const fence = this.#decision.fence;
      if (fence.length === 0) throw new ReplicationError('REPL_ERR_PRECONDITION', 'nothing to fence any more');
      for (const name of fence) await fenceServer(this.endpoint(name));
      return { server: fence.join(','), from: this.#decision.writer, result: { fenced: fence, writer: this.#decision.writer } };
    });
  }

  async #failover(dead: string, candidate: string): Promise<FailoverResult> {
    return this.#action('failover', 0, async () => {
      const d = this.view(dead);
      const c = this.view(candidate);
      if (this.#decision.writer || d?.health !== 'down' || c?.health !== 'up' || !c.probe?.readOnly) {
        throw new ReplicationError('REPL_ERR_PRECONDITION', 'failover preconditions no longer hold');
      }
      const result = await failover(this.endpoint(dead), this.endpoint(candidate), {
        epoch: this.#decision.epoch + 1,
        applyTimeoutMs: this.#opts.applyTimeoutMs,
      });
      return { server: candidate, from: dead, result };
    });
  }

  async #elect(): Promise<unknown> {
    return this.#action('elect', 0, async () => {
      const views = this.#views;
      if (this.#decision.writer || !views.every((v) => v.health === 'up' && v.probe?.readOnly)) {
        throw new ReplicationError('REPL_ERR_PRECONDITION', 'election preconditions no longer hold');
      }
      const best = views.find((v) => views.every((o) => v.probe!.gtidBinlogPos.contains(o.probe!.gtidBinlogPos)));
      if (!best) {
        throw new ReplicationError(
          'REPL_ERR_DIVERGED',
          `no server holds every transaction (${views.map((v) => `${v.name}=${v.probe!.gtidBinlogPos}`).join(' ')}): not electing a writer`,
        );
      }
      const result = await promoteServer(this.endpoint(best.name), this.#decision.epoch + 1, 'elect');
      return { server: best.name, result };
    });
  }

  /**
   * Runs one control action: take the lock, re-probe, run `fn` (which re-checks its preconditions on the
   * fresh views), release, re-probe so the new writer is known at once, record and emit the action.
   */
  async #action<T>(
    kind: ControlActionKind,
    waitSeconds: number,
    fn: () => Promise<{ server: string; from?: string; result: T }>,
  ): Promise<T> {
    // a requested action waits (up to waitSeconds) for a background one to finish
    const waitUntil = Date.now() + waitSeconds * 1000;
    while (this.#op && Date.now() < waitUntil) {
      await Promise.race([this.#op.catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
    }
    if (this.#op) throw new ReplicationError('REPL_ERR_BUSY', `a ${this.#opKind} is in progress`);
    const started = Date.now();
    const run = (async () => {
      let lock: ControlLock | undefined;
      let outcome: { server: string; from?: string; result: T } | undefined;
      try {
        lock = await acquireControlLock(this.#opts.servers, { name: this.#opts.lockName, waitSeconds });
        await this.refresh();
        outcome = await fn();
        return outcome.result;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'REPL_ERR_LOCK_BUSY' && code !== 'REPL_ERR_PRECONDITION') {
          this.#record({ kind, server: '', ok: false, code, error: (err as Error).message, durationMs: Date.now() - started });
        }
        throw err;
      } finally {
        await lock?.release();
        if (!this.#stopped) await this.refresh().catch(() => {});
        if (outcome) {
          this.#record({
            kind,
            server: outcome.server,
            from: outcome.from,
            ok: true,
            durationMs: Date.now() - started,
            detail: outcome.result as Record<string, unknown>,
          });
        }
      }
    })();
    this.#op = run;
    this.#opKind = kind;
    try {
      return await run;
    } finally {
      this.#op = undefined;
      this.#opKind = undefined;
    }
  }

  #record(a: Omit<ControlAction, 'at'>): void {
    const action: ControlAction = { ...a, at: new Date().toISOString() };
    this.#actions.push(action);
    if (this.#actions.length > 50) this.#actions.shift();
    if (action.ok) this.#log.info({ action }, `replication ${action.kind} done`);
    else this.#log.error({ action }, `replication ${action.kind} failed`);
    this.emit('action', action);
  }
}

function toView(s: ServerSnapshot, writer: string | undefined): ServerView {
  const slave = s.probe?.slave;
  const replicating = slave?.ioRunning === 'Yes' && slave.sqlRunning === 'Yes';
  const role: ServerRole = s.name === writer ? 'writer' : s.health === 'up' ? 'reader' : s.health;
  return { ...s, role, lagSeconds: slave?.secondsBehindMaster ?? null, replicating };
}
