import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { HealthAbortedError, HealthOptionError, HealthTimeoutError, toError } from './health-error.js';
import type { Probe, ProbeResult } from './probe.js';
import { emitSafely, warnListenerError } from './emit-safely.js';

export type HealthState = 'up' | 'down';

export interface ActiveCheckerOptions {
  /** The probe run on every check. */
  probe: Probe;
  /** Name used in events and snapshots (e.g. the server name). Default `'check'`. */
  name?: string;
  /** Delay between checks while steadily up, in ms (HAProxy `inter`). Default 2000. */
  interval?: number;
  /**
   * Delay while the state is transitioning: up with at least one failure, or down with at least one
   * success (HAProxy `fastinter`). Default `interval`.
   */
  fastInterval?: number;
  /** Delay while fully down, i.e. down with no success yet (HAProxy `downinter`). Default `interval`. */
  downInterval?: number;
  /** A probe still running after this many ms is aborted and the check fails. Default min(interval, 2000). */
  timeout?: number;
  /** Consecutive successes that take a down target up. Default 2. */
  rise?: number;
  /** Consecutive failures that take an up target down. Default 3. */
  fall?: number;
  /** State before the first check. Default `'up'`. */
  initialState?: HealthState;
  /**
   * Spread checks: each delay is multiplied by a random factor in [1 - jitter, 1 + jitter], and the
   * first check after start() waits a random part of `jitter × interval`. 0 ≤ jitter < 1. Default 0.
   */
  jitter?: number;
  /** Random source in [0, 1) for the jitter. Default Math.random. */
  random?: () => number;
  /**
   * Called when an event listener throws (the exception never escapes into a timer).
   * Default: process.emitWarning.
   */
  onListenerError?: (err: unknown, event: keyof ActiveCheckerEvents) => void;
}

/** The outcome of one check, as returned by checkNow() and emitted as 'check'. */
export interface CheckResult {
  name: string;
  ok: boolean;
  durationMs: number;
  /** Why the check failed (absent when ok). */
  error?: Error;
  /** What the probe resolved with, when it resolved with an object. */
  result?: ProbeResult;
  /** The checker's state after this check was counted. */
  state: HealthState;
  /**
   * True when stop() cut the check short. Such a check is not counted, changes no state and emits
   * no event.
   */
  aborted: boolean;
}

export interface ChangeEvent {
  name: string;
  from: HealthState;
  to: HealthState;
  /** Human-readable reason, e.g. "3 consecutive failed checks: cannot connect to …". */
  reason: string;
  /** Length of the streak that caused the change: exactly `fall` (going down) or `rise` (going up). */
  consecutive: number;
  /** The failure that completed the streak, when going down. */
  error?: Error;
}

export interface ActiveCheckerEvents {
  change: [ChangeEvent];
  check: [CheckResult];
}

/** A JSON-friendly view of a checker, for admin APIs and /readyz bodies. */
export interface CheckerSnapshot {
  name: string;
  state: HealthState;
  running: boolean;
  checks: number;
  failures: number;
  transitions: number;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  lastDurationMs: number | undefined;
  lastError: string | undefined;
  /** Epoch ms of the end of the last counted check. */
  lastCheckAt: number | undefined;
}

const MAX_DELAY_MS = 2 ** 31 - 1;

interface InFlight {
  promise: Promise<CheckResult>;
  controller: AbortController;
}

/**
 * Periodic active health checks with HAProxy's rise/fall hysteresis: the state goes down after
 * `fall` consecutive failed checks and up after `rise` consecutive successful ones.
 */
export class ActiveChecker extends EventEmitter<ActiveCheckerEvents> {
  readonly name: string;
  readonly interval: number;
  readonly fastInterval: number;
  readonly downInterval: number;
  readonly timeout: number;
  readonly rise: number;
  readonly fall: number;
  readonly jitter: number;

  readonly #probe: Probe;
  readonly #random: () => number;
  readonly #onListenerError: (err: unknown, event: keyof ActiveCheckerEvents) => void;

  #state: HealthState;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: InFlight | undefined;
  /** Bumped by stop(): a check that finishes under an older generation is discarded. */
  #generation = 0;

  #consecutiveSuccesses = 0;
  #consecutiveFailures = 0;
  #checks = 0;
  #failures = 0;
  #transitions = 0;
  #lastError: Error | undefined;
  #lastDurationMs: number | undefined;
  #lastCheckAt: number | undefined;

  constructor(options: ActiveCheckerOptions) {
    super();
    if (typeof options?.probe !== 'function') throw new HealthOptionError('probe must be a function');
    this.#probe = options.probe;
    this.name = options.name ?? 'check';
    this.interval = delayOption('interval', options.interval, 2000);
    this.fastInterval = delayOption('fastInterval', options.fastInterval, this.interval);
    this.downInterval = delayOption('downInterval', options.downInterval, this.interval);
    this.timeout = delayOption('timeout', options.timeout, Math.min(this.interval, 2000));
    this.rise = countOption('rise', options.rise, 2);
    this.fall = countOption('fall', options.fall, 3);
    const initial = options.initialState ?? 'up';
    if (initial !== 'up' && initial !== 'down') {
      throw new HealthOptionError(`initialState must be 'up' or 'down', got ${JSON.stringify(initial)}`);
    }
    this.#state = initial;
    const jitter = options.jitter ?? 0;
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
      throw new HealthOptionError(`jitter must be a number in [0, 1), got ${String(jitter)}`);
    }
    this.jitter = jitter;
    this.#random = options.random ?? Math.random;
    this.#onListenerError = options.onListenerError ?? warnListenerError(`health checker ${JSON.stringify(this.name)}`);
  }

  get state(): HealthState {
    return this.#state;
  }
  get isUp(): boolean {
    return this.#state === 'up';
  }
  /** True between start() and stop(). */
  get running(): boolean {
    return this.#running;
  }
  /** The error of the most recent failed check (kept after later successes); undefined before any failure. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }
  /** Duration of the most recent counted check, in ms. */
  get lastDurationMs(): number | undefined {
    return this.#lastDurationMs;
  }
  /** Counted checks (aborted ones excluded). */
  get checks(): number {
    return this.#checks;
  }
  /** Counted failed checks. */
  get failures(): number {
    return this.#failures;
  }
  /** State changes so far. */
  get transitions(): number {
    return this.#transitions;
  }
  get consecutiveSuccesses(): number {
    return this.#consecutiveSuccesses;
  }
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /**
   * Start periodic checks. The first check runs at once (or, with jitter, after a random part of
   * `jitter × interval`). Calling start() on a running checker does nothing.
   */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    if (this.#inFlight) return this; // the running check schedules the next one when it ends
    const first = this.jitter > 0 ? Math.floor(this.#random() * this.jitter * this.interval) : 0;
    this.#schedule(first);
    return this;
  }

  /** Stop checking: clears the timer and aborts a check in flight (its result is discarded). */
  stop(): this {
    this.#running = false;
    this.#generation++;
    this.#clearTimer();
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    inFlight?.controller.abort(new HealthAbortedError('health checker stopped'));
    return this;
  }

  /**
   * Run one check now (or join the one already in flight) and return its result. When the checker is
   * running, the next periodic check is scheduled from the end of this one. Never rejects.
   */
  checkNow(): Promise<CheckResult> {
    if (this.#inFlight) return this.#inFlight.promise;
    this.#clearTimer();
    return this.#run();
  }

  snapshot(): CheckerSnapshot {
    return {
      name: this.name,
      state: this.#state,
      running: this.#running,
      checks: this.#checks,
      failures: this.#failures,
      transitions: this.#transitions,
      consecutiveSuccesses: this.#consecutiveSuccesses,
      consecutiveFailures: this.#consecutiveFailures,
      lastDurationMs: this.#lastDurationMs,
      lastError: this.#lastError?.message,
      lastCheckAt: this.#lastCheckAt,
    };
  }

  /** The delay before the next periodic check, from the current state (before jitter). */
  nextInterval(): number {
    if (this.#state === 'up') return this.#consecutiveFailures > 0 ? this.fastInterval : this.interval;
    return this.#consecutiveSuccesses > 0 ? this.fastInterval : this.downInterval;
  }

  #schedule(delay: number): void {
    this.#clearTimer();
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running || generation !== this.#generation || this.#inFlight) return;
      this.#run();
    }, delay);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #spread(base: number): number {
    if (this.jitter === 0) return base;
    const factor = 1 + this.jitter * (2 * this.#random() - 1);
    return Math.min(MAX_DELAY_MS, Math.max(1, Math.round(base * factor)));
  }

  #run(): Promise<CheckResult> {
    const generation = this.#generation;
    const controller = new AbortController();
    const promise = this.#execute(controller, generation)
      .catch((err: unknown): CheckResult => {
        // #execute handles every probe outcome; this only guards against bugs and listener surprises.
        return { name: this.name, ok: false, durationMs: 0, error: toError(err), state: this.#state, aborted: true };
      })
      .then((result) => {
        if (this.#inFlight?.promise === promise) this.#inFlight = undefined;
        if (this.#running && generation === this.#generation && this.#timer === undefined && !this.#inFlight) {
          this.#schedule(this.#spread(this.nextInterval()));
        }
        return result;
      });
    this.#inFlight = { promise, controller };
    return promise;
  }

  async #execute(controller: AbortController, generation: number): Promise<CheckResult> {
    const { signal } = controller;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    timer = setTimeout(() => controller.abort(new HealthTimeoutError(this.timeout)), this.timeout);
    timer.unref();

    let ok: boolean;
    let error: Error | undefined;
    let result: ProbeResult | undefined;
    try {
      let running: Promise<void | ProbeResult>;
      try {
        running = Promise.resolve(this.#probe(signal));
      } catch (err) {
        running = Promise.reject(err);
      }
      // Promise.race subscribes to both, so whichever loses never becomes an unhandled rejection.
      const value = await Promise.race([running, aborted]);
      ok = true;
      if (typeof value === 'object' && value !== null) result = value;
    } catch (err) {
      ok = false;
      // A probe that reacts to the abort may reject with its own error; report the abort reason.
      error = signal.aborted ? toError(signal.reason) : toError(err);
    } finally {
      clearTimeout(timer);
      timer = undefined;
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
    const durationMs = performance.now() - started;

    if (generation !== this.#generation) {
      return { name: this.name, ok: false, durationMs, error: error ?? new HealthAbortedError(), state: this.#state, aborted: true };
    }
    return this.#record(ok, durationMs, error, result);
  }

  #record(ok: boolean, durationMs: number, error: Error | undefined, result: ProbeResult | undefined): CheckResult {
    this.#checks++;
    this.#lastDurationMs = durationMs;
    this.#lastCheckAt = Date.now();
    let change: ChangeEvent | undefined;
    if (ok) {
      this.#consecutiveSuccesses++;
      this.#consecutiveFailures = 0;
      if (this.#state === 'down' && this.#consecutiveSuccesses >= this.rise) {
        change = this.#transition('up', `${this.#consecutiveSuccesses} consecutive successful checks`, this.#consecutiveSuccesses);
      }
    } else {
      const err = error ?? new HealthAbortedError('check failed without an error');
      this.#failures++;
      this.#consecutiveFailures++;
      this.#consecutiveSuccesses = 0;
      this.#lastError = err;
      if (this.#state === 'up' && this.#consecutiveFailures >= this.fall) {
        change = this.#transition(
          'down',
          `${this.#consecutiveFailures} consecutive failed checks: ${err.message}`,
          this.#consecutiveFailures,
          err,
        );
      }
    }
    const check: CheckResult = { name: this.name, ok, durationMs, state: this.#state, aborted: false };
    if (!ok) check.error = error;
    if (result) check.result = result;
    this.#emitSafely('check', check);
    if (change) this.#emitSafely('change', change);
    return check;
  }

  #transition(to: HealthState, reason: string, consecutive: number, error?: Error): ChangeEvent {
    const from = this.#state;
    this.#state = to;
    this.#transitions++;
    const change: ChangeEvent = { name: this.name, from, to, reason, consecutive };
    if (error) change.error = error;
    return change;
  }

  #emitSafely<K extends keyof ActiveCheckerEvents>(event: K, payload: ActiveCheckerEvents[K][0]): void {
    emitSafely(this as EventEmitter, event, payload, this.#onListenerError as (err: unknown, event: string) => void);
  }
}

function delayOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_DELAY_MS) {
    throw new HealthOptionError(`${name} must be a number of ms in (0, ${MAX_DELAY_MS}], got ${String(value)}`);
  }
  return value;
}

function countOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new HealthOptionError(`${name} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}
