import { EventEmitter } from 'node:events';
import { initialAutoscaleState, recommend, type AutoscaleConfig, type AutoscaleState, type AutoscaleWhy } from '@scaleout/autoscale';
import type { Logger } from '@scaleout/service';
import { systemClock, type Clock } from './clock.js';
import { MetricWindow } from './metric-window.js';
import type { Observation } from './observation.js';

/** One sync: what the maths said and what the controller did with it. */
export interface DecisionRecord {
  at: string;
  atMs: number;
  current: number;
  desired: number;
  /** Target tracking alone, and the predictive step's proposal (null when off or without history). */
  plain: number | null;
  predicted: number | null;
  ready: number;
  summary: string;
  why: AutoscaleWhy;
}

/** A replica-count change the controller applied (or tried to). */
export interface ScaleChange {
  at: string;
  atMs: number;
  from: number;
  to: number;
  direction: 'up' | 'down';
  summary: string;
  /**
   * `applying` until the supervisor has started (and the LBs admitted) or drained and stopped the replicas;
   * `superseded` when a later decision replaced it before it started.
   */
  result: 'applying' | 'done' | 'failed' | 'superseded';
  durationMs?: number;
  error?: string;
}

export interface AutoscalerStatus {
  enabled: true;
  config: AutoscaleConfig;
  current: number;
  desired: number;
  ready: number;
  /** The change being applied now, if any. */
  applying: ScaleChange | null;
  why: string | null;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  directionChanges: number;
  decisions: DecisionRecord[];
  changes: ScaleChange[];
}

export interface AutoscalerOptions {
  config: AutoscaleConfig;
  /** The replica count when the controller starts (it owns the count from then on). */
  initialReplicas: number;
  /** The replicas and figures now; null while there are none yet (the first scrape). */
  observe(): Observation | null;
  /** Sets the replica count; resolves when the new replicas take traffic or the removed ones are stopped. */
  scaleTo(replicas: number): Promise<void>;
  logger: Logger;
  clock?: Clock;
  /** How often `observe` is read. Default 1000 ms. */
  tickMs?: number;
  /** Decisions and changes kept for the API. Default 60 and 30. */
  keepDecisions?: number;
  keepChanges?: number;
}

export interface AutoscalerEvents {
  decision: [DecisionRecord];
  change: [ScaleChange];
}

/**
 * The control loop that owns the web replica count: reads the figures every tick, runs the HPA maths
 * (`@scaleout/autoscale`) every sync period on the averages of that period, and applies the desired count
 * one change at a time (a change asked for while another runs waits; only the latest one is applied).
 */
export class Autoscaler extends EventEmitter<AutoscalerEvents> {
  readonly config: AutoscaleConfig;
  readonly #o: AutoscalerOptions;
  readonly #clock: Clock;
  readonly #window: MetricWindow;
  #state: AutoscaleState = initialAutoscaleState();
  #current: number;
  #decisions: DecisionRecord[] = [];
  #changes: ScaleChange[] = [];
  #cancel: (() => void) | undefined;
  #nextSyncMs: number | null = null;
  #lastSyncMs: number | null = null;
  #pending: ScaleChange | null = null;
  #running: ScaleChange | null = null;
  #applying: Promise<void> | null = null;
  #lastDirection: 'up' | 'down' | null = null;
  #directionChanges = 0;

  constructor(options: AutoscalerOptions) {
    super();
    this.#o = options;
    this.config = options.config;
    this.#clock = options.clock ?? systemClock;
    this.#current = options.initialReplicas;
    const c = options.config;
    this.#window = new MetricWindow(Math.max(c.syncPeriodSeconds, c.warmupSeconds, 5) * 1000 + 5000);
  }

  get current(): number {
    return this.#current;
  }

  /** Starts ticking; the first sync is one sync period from now (the window needs figures first). */
  start(): void {
    if (this.#cancel) return;
    this.#nextSyncMs = this.#clock.now() + this.config.syncPeriodSeconds * 1000;
    const tick = () => {
      try {
        this.tick();
      } catch (err) {
        this.#o.logger.error({ err }, 'autoscaler tick failed');
      }
      this.#cancel = this.#clock.after(this.#o.tickMs ?? 1000, tick);
    };
    this.#cancel = this.#clock.after(0, tick);
  }

  /** Stops the loop and waits for a change in progress. */
  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#nextSyncMs = null;
    if (this.#pending) this.#pending.result = 'superseded';
    this.#pending = null;
    await this.#applying;
  }

  /** One tick: observe; sync when the period is up. */
  tick(): DecisionRecord | null {
    const now = this.#clock.now();
    const obs = this.#o.observe();
    if (obs) this.#window.push(now, obs);
    if (this.#nextSyncMs !== null && now >= this.#nextSyncMs) {
      this.#nextSyncMs += this.config.syncPeriodSeconds * 1000;
      if (this.#nextSyncMs <= now) this.#nextSyncMs = now + this.config.syncPeriodSeconds * 1000;
      return obs ? this.sync() : null;
    }
    return null;
  }

  /** One sync now (the loop calls it every sync period). */
  sync(): DecisionRecord {
    const now = this.#clock.now();
    const c = this.config;
    const sample = this.#window.sample(now, this.#current, c.syncPeriodSeconds * 1000, c.warmupSeconds * 1000);
    const decision = recommend(c, sample, this.#state);
    this.#state = decision.state;
    this.#lastSyncMs = now;
    const record: DecisionRecord = {
      at: new Date(now).toISOString(),
      atMs: now,
      current: decision.current,
      desired: decision.desired,
      plain: decision.plain,
      predicted: decision.predicted,
      ready: sample.replicas.filter((r) => r.readySinceMs !== null && !r.draining).length,
      summary: decision.why.summary,
      why: decision.why,
    };
    this.#decisions.push(record);
    if (this.#decisions.length > (this.#o.keepDecisions ?? 60)) this.#decisions.shift();
    this.#o.logger.info({ autoscaler: { current: record.current, desired: record.desired, plain: record.plain, predicted: record.predicted, ready: record.ready, why: record.why } }, `autoscaler: ${record.summary}`);
    this.emit('decision', record);
    if (decision.desired !== this.#current) this.#change(record);
    return record;
  }

  #change(record: DecisionRecord): void {
    const direction = record.desired > record.current ? 'up' : 'down';
    if (this.#lastDirection && this.#lastDirection !== direction) this.#directionChanges += 1;
    this.#lastDirection = direction;
    this.#current = record.desired;
    const change: ScaleChange = { at: record.at, atMs: record.atMs, from: record.current, to: record.desired, direction, summary: record.summary, result: 'applying' };
    if (this.#pending) {
      this.#pending.result = 'superseded';
      this.emit('change', this.#pending);
    }
    this.#pending = change;
    this.#changes.push(change);
    if (this.#changes.length > (this.#o.keepChanges ?? 30)) this.#changes.shift();
    this.emit('change', change);
    this.#applying ??= this.#drain();
  }

  /** Applies the latest wanted count until none is pending; each change is recorded when it settles. */
  async #drain(): Promise<void> {
    while (this.#pending !== null) {
      const change = this.#pending;
      this.#pending = null;
      this.#running = change;
      const started = this.#clock.now();
      try {
        await this.#o.scaleTo(change.to);
        change.result = 'done';
      } catch (err) {
        change.result = 'failed';
        change.error = (err as Error).message;
        this.#o.logger.error({ err, to: change.to }, 'autoscaler: scaling failed');
      }
      change.durationMs = this.#clock.now() - started;
      this.#running = null;
      this.#o.logger.info({ autoscaler: { change } }, `autoscaler: ${change.from} → ${change.to} ${change.result} in ${change.durationMs} ms`);
      this.emit('change', change);
    }
    this.#applying = null;
  }

  status(limit = 30): AutoscalerStatus {
    const last = this.#decisions[this.#decisions.length - 1];
    return {
      enabled: true,
      config: this.config,
      current: this.#current,
      desired: last?.desired ?? this.#current,
      ready: last?.ready ?? 0,
      applying: this.#running,
      why: last?.summary ?? null,
      lastSyncAt: this.#lastSyncMs === null ? null : new Date(this.#lastSyncMs).toISOString(),
      nextSyncAt: this.#nextSyncMs === null ? null : new Date(this.#nextSyncMs).toISOString(),
      directionChanges: this.#directionChanges,
      decisions: this.#decisions.slice(-limit).reverse(),
      changes: this.#changes.slice(-limit).reverse(),
    };
  }
}
