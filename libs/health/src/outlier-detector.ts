import { EventEmitter } from 'node:events';
import { HealthOptionError } from './health-error.js';
import { emitSafely, warnListenerError } from './emit-safely.js';

export interface OutlierDetectorOptions {
  /** Consecutive failures that eject a key. Default 5. */
  consecutiveFailures?: number;
  /** The n-th ejection in a row lasts `baseEjectionMs × n` (capped). Default 30000. */
  baseEjectionMs?: number;
  /** Upper bound of one ejection. Default 300000. */
  maxEjectionMs?: number;
  /**
   * The ejection count drops by one for every full `decayMs` a key spends not ejected, counted
   * from the end of its last ejection. Default `baseEjectionMs`.
   */
  decayMs?: number;
  /**
   * At most this percentage of `totalCount` keys may be ejected at once, but at least one key when
   * the value is above 0 (0 disables ejection). Default 100 (no limit).
   */
  maxEjectionPercent?: number;
  /** Pool size the percentage applies to. Default: the number of keys the detector knows. */
  totalCount?: number | (() => number);
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /**
   * When > 0, an unref()'d timer calls sweep() this often so 'uneject' is emitted close to the
   * ejection end even when nobody asks about the key. Default 0 (uneject is noticed lazily).
   */
  sweepIntervalMs?: number;
  /** Called when an event listener throws. Default: process.emitWarning. */
  onListenerError?: (err: unknown, event: keyof OutlierDetectorEvents) => void;
}

export interface EjectEvent {
  key: string;
  /** Clock time of the ejection. */
  at: number;
  /** Clock time the ejection ends. */
  until: number;
  durationMs: number;
  /** How many ejections in a row this is (after decay): the duration multiplier. */
  ejectionCount: number;
  consecutiveFailures: number;
}

export interface UnejectEvent {
  key: string;
  /** Clock time the ejection ended. */
  at: number;
  /** Clock time the end was noticed (≥ at). */
  observedAt: number;
  ejectionCount: number;
}

export interface OutlierDetectorEvents {
  eject: [EjectEvent];
  uneject: [UnejectEvent];
}

/** One key's view, from `stats()`. */
export interface OutlierKeyStats {
  key: string;
  consecutiveFailures: number;
  ejectionCount: number;
  ejected: boolean;
  ejectedUntil: number | undefined;
  totalEjections: number;
}

interface KeyState {
  streak: number;
  ejectionCount: number;
  ejectedUntil: number | undefined;
  /** Start of the current not-ejected stretch not yet turned into decay steps. */
  decayFrom: number;
  totalEjections: number;
}

/**
 * Passive outlier ejection in the manner of Envoy: traffic results are reported per key (a backend)
 * and a key with `consecutiveFailures` failures in a row is ejected for a time that grows with each
 * repeated ejection and shrinks again while the key behaves.
 */
export class OutlierDetector extends EventEmitter<OutlierDetectorEvents> {
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly decayMs: number;
  readonly maxEjectionPercent: number;

  readonly #keys = new Map<string, KeyState>();
  readonly #now: () => number;
  readonly #totalCount: number | (() => number) | undefined;
  readonly #maxCount: number;
  readonly #onListenerError: (err: unknown, event: string) => void;
  #sweepTimer: NodeJS.Timeout | undefined;
  #skipped = 0;

  constructor(options: OutlierDetectorOptions = {}) {
    super();
    this.consecutiveFailures = intOption('consecutiveFailures', options.consecutiveFailures, 5, 1);
    this.baseEjectionMs = msOption('baseEjectionMs', options.baseEjectionMs, 30_000);
    this.maxEjectionMs = msOption('maxEjectionMs', options.maxEjectionMs, 300_000);
    if (this.maxEjectionMs < this.baseEjectionMs) {
      throw new HealthOptionError('maxEjectionMs must not be less than baseEjectionMs');
    }
    this.decayMs = msOption('decayMs', options.decayMs, this.baseEjectionMs);
    const pct = options.maxEjectionPercent ?? 100;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 100)) {
      throw new HealthOptionError(`maxEjectionPercent must be in [0, 100], got ${String(pct)}`);
    }
    this.maxEjectionPercent = pct;
    const total = options.totalCount;
    if (typeof total === 'number' && !(Number.isInteger(total) && total >= 0)) {
      throw new HealthOptionError(`totalCount must be an integer ≥ 0, got ${String(total)}`);
    }
    this.#totalCount = total;
    this.#now = options.now ?? Date.now;
    // Past this count the duration is capped anyway; stopping there keeps the decay back short.
    this.#maxCount = Math.ceil(this.maxEjectionMs / this.baseEjectionMs);
    this.#onListenerError = (options.onListenerError as (err: unknown, event: string) => void) ?? warnListenerError('outlier detector');
    const sweep = options.sweepIntervalMs ?? 0;
    if (sweep !== 0) {
      msOption('sweepIntervalMs', sweep, 0);
      this.#sweepTimer = setInterval(() => this.sweep(), sweep);
      this.#sweepTimer.unref();
    }
  }

  /**
   * Report a failed request to `key`. Returns true when this failure ejected the key. Failures
   * reported while the key is ejected are ignored (they come from requests sent before the ejection).
   */
  recordFailure(key: string, now: number = this.#now()): boolean {
    const state = this.#refresh(key, now, true) as KeyState;
    if (state.ejectedUntil !== undefined) return false;
    state.streak++;
    if (state.streak < this.consecutiveFailures) return false;
    if (this.#ejectedCount(now) >= this.#allowedEjections()) {
      // Over the limit: stay in service; the next failure tries again.
      this.#skipped++;
      return false;
    }
    const streak = state.streak;
    state.ejectionCount = Math.min(state.ejectionCount + 1, this.#maxCount);
    state.totalEjections++;
    const durationMs = Math.min(this.baseEjectionMs * state.ejectionCount, this.maxEjectionMs);
    state.ejectedUntil = now + durationMs;
    state.streak = 0;
    emitSafely(
      this as EventEmitter,
      'eject',
      { key, at: now, until: state.ejectedUntil, durationMs, ejectionCount: state.ejectionCount, consecutiveFailures: streak } satisfies EjectEvent,
      this.#onListenerError,
    );
    return true;
  }

  /** Report a successful request to `key`: ends its failure streak (does not end an ejection). */
  recordSuccess(key: string, now: number = this.#now()): void {
    const state = this.#refresh(key, now, true) as KeyState;
    state.streak = 0;
  }

  isEjected(key: string, now: number = this.#now()): boolean {
    return this.#refresh(key, now, false)?.ejectedUntil !== undefined;
  }

  /** Clock time the key's ejection ends, or undefined when it is not ejected. */
  ejectedUntil(key: string, now: number = this.#now()): number | undefined {
    return this.#refresh(key, now, false)?.ejectedUntil;
  }

  /** The keys ejected at `now`. */
  ejectedKeys(now: number = this.#now()): string[] {
    const out: string[] = [];
    for (const key of [...this.#keys.keys()]) if (this.#refresh(key, now, false)?.ejectedUntil !== undefined) out.push(key);
    return out;
  }

  stats(key: string, now: number = this.#now()): OutlierKeyStats | undefined {
    const s = this.#refresh(key, now, false);
    if (!s) return undefined;
    return {
      key,
      consecutiveFailures: s.streak,
      ejectionCount: s.ejectionCount,
      ejected: s.ejectedUntil !== undefined,
      ejectedUntil: s.ejectedUntil,
      totalEjections: s.totalEjections,
    };
  }

  /** Ejections not made because of maxEjectionPercent. */
  get skippedEjections(): number {
    return this.#skipped;
  }

  /** Keys the detector knows. */
  get size(): number {
    return this.#keys.size;
  }

  /** Forget a key (e.g. a removed backend). No 'uneject' is emitted. */
  remove(key: string): boolean {
    return this.#keys.delete(key);
  }

  clear(): void {
    this.#keys.clear();
  }

  /** End every ejection that is over at `now`, emitting 'uneject'; returns those keys. */
  sweep(now: number = this.#now()): string[] {
    const ended: string[] = [];
    for (const [key, state] of [...this.#keys]) {
      const was = state.ejectedUntil !== undefined;
      this.#refresh(key, now, false);
      if (was && state.ejectedUntil === undefined) ended.push(key);
    }
    return ended;
  }

  /** Stop the sweep timer, if any. */
  close(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  #allowedEjections(): number {
    if (this.maxEjectionPercent >= 100) return Infinity;
    if (this.maxEjectionPercent <= 0) return 0;
    const t = this.#totalCount;
    const total = t === undefined ? this.#keys.size : typeof t === 'number' ? t : t();
    return Math.max(1, Math.floor((total * this.maxEjectionPercent) / 100));
  }

  #ejectedCount(now: number): number {
    let n = 0;
    for (const key of [...this.#keys.keys()]) if (this.#refresh(key, now, false)?.ejectedUntil !== undefined) n++;
    return n;
  }

  /** Bring a key's state up to `now`: end an expired ejection, apply decay. */
  #refresh(key: string, now: number, create: boolean): KeyState | undefined {
    let state = this.#keys.get(key);
    if (!state) {
      if (!create) return undefined;
      state = { streak: 0, ejectionCount: 0, ejectedUntil: undefined, decayFrom: now, totalEjections: 0 };
      this.#keys.set(key, state);
      return state;
    }
    if (state.ejectedUntil !== undefined) {
      if (now < state.ejectedUntil) return state;
      const at = state.ejectedUntil;
      state.ejectedUntil = undefined;
      state.decayFrom = at;
      state.streak = 0;
      emitSafely(
        this as EventEmitter,
        'uneject',
        { key, at, observedAt: now, ejectionCount: state.ejectionCount } satisfies UnejectEvent,
        this.#onListenerError,
      );
    }
    if (state.ejectionCount > 0 && now > state.decayFrom) {
      const steps = Math.floor((now - state.decayFrom) / this.decayMs);
      if (steps > 0) {
        state.ejectionCount = Math.max(0, state.ejectionCount - steps);
        state.decayFrom = state.ejectionCount === 0 ? now : state.decayFrom + steps * this.decayMs;
      }
    }
    return state;
  }
}

function intOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new HealthOptionError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

function msOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new HealthOptionError(`${name} must be a number of ms in (0, ${2 ** 31 - 1}], got ${String(value)}`);
  }
  return value;
}
