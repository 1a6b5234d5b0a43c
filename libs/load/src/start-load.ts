import { EventEmitter } from 'node:events';
import type { Driver, DriverContext } from './driver.js';
import { GetDriver } from './get-driver.js';
import { RateSchedule } from './rate-schedule.js';
import { LATE_P99_LIMIT_MS, MIN_SEND_SHARE, Recorder } from './recorder.js';
import { ShopDriver } from './shop-driver.js';
import type { IntervalStats, LoadResult, LoadRun, LoadSpec } from './types.js';
import { validateLoadSpec } from './validate-spec.js';

/** After the schedule ends, in-flight work gets its timeout plus this long to finish. */
const DRAIN_GRACE_MS = 1000;
/** stop(): in-flight work gets this long before connections are closed. */
const ABORT_GRACE_MS = 1000;

class Run extends EventEmitter implements LoadRun {
  readonly spec: LoadSpec;
  readonly done: Promise<LoadResult>;
  private last: IntervalStats | undefined;
  private readonly perSecond: IntervalStats[] = [];
  private readonly recorder: Recorder;
  private readonly driver: Driver;
  private readonly schedule: RateSchedule | undefined;
  private stopping: LoadResult['stopped'] | undefined;
  private wake: (() => void) | undefined;
  private abortError: Error | undefined;
  private t0 = 0;
  private arrivals = 0;

  constructor(spec: LoadSpec) {
    super();
    this.spec = validateLoadSpec(spec);
    this.recorder = new Recorder(this.spec.workload === 'get' ? 'requests' : 'journeys');
    const ctx: DriverContext = {
      recorder: this.recorder,
      random: Math.random,
      abort: (err) => {
        this.abortError ??= err;
        this.finish('aborted');
      },
    };
    this.driver = this.spec.workload === 'get' ? new GetDriver(this.spec, ctx) : new ShopDriver(this.spec, ctx);
    this.schedule = this.spec.rate ? new RateSchedule(this.spec.rate) : undefined;
    this.done = this.run();
    // The caller may never await `done` when it only listens to seconds: keep an unhandled rejection quiet here.
    this.done.catch(() => {});
  }

  override on(event: 'second', listener: (s: IntervalStats) => void): this {
    return super.on(event, listener);
  }

  latest(): IntervalStats | undefined {
    return this.last;
  }

  stop(): void {
    this.finish('aborted');
  }

  private finish(why: LoadResult['stopped']): void {
    if (this.stopping) return;
    this.stopping = why;
    this.wake?.();
  }

  private async run(): Promise<LoadResult> {
    const startedAt = new Date().toISOString();
    try {
      await this.driver.prepare();
    } catch (err) {
      this.driver.close();
      throw err;
    }
    if (this.abortError) {
      this.driver.close();
      throw this.abortError;
    }
    const spec = this.spec;
    this.t0 = performance.now();
    const stopped = new Promise<void>((resolve) => {
      this.wake = resolve;
      if (this.stopping) resolve();
    });
    // The open loop ends itself after the last scheduled arrival; this timer bounds both models.
    const durationTimer = setTimeout(() => this.finish('duration'), spec.durationMs + (this.schedule ? 50 : 0));
    const seconds = this.startSeconds();
    if (this.schedule) this.openLoop();
    else this.closedLoop();
    await stopped;
    clearTimeout(durationTimer);
    // Drain: let what is in flight finish (bounded), then close.
    const grace = this.stopping === 'aborted' ? ABORT_GRACE_MS : spec.timeoutMs! + DRAIN_GRACE_MS;
    const until = performance.now() + grace;
    while (this.driver.inFlight() > 0 && performance.now() < until && !this.abortError) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const unsent = this.driver.inFlight();
    this.driver.close();
    const endedAt = performance.now();
    seconds.stop(endedAt);
    this.recorder.flush(); // a last part-second that was not rolled still counts for the run
    if (this.abortError) throw this.abortError;
    return this.result(startedAt, endedAt, unsent);
  }

  /** Emits a second's figures every second, aligned on the start. */
  private startSeconds(): { stop(endedAt: number): void } {
    let second = 0;
    let timer: NodeJS.Timeout | undefined;
    const roll = (spanMs: number) => {
      const from = second * 1000;
      const target = this.schedule ? (this.schedule.cumulative(Math.min(from + spanMs, this.spec.durationMs)) - this.schedule.cumulative(Math.min(from, this.spec.durationMs))) * (1000 / spanMs) : 0;
      const s = this.recorder.roll(second + 1, target, this.driver.inFlight(), this.schedule !== undefined, spanMs);
      second++;
      this.perSecond.push(s);
      this.last = s;
      this.emit('second', s);
    };
    const next = () => {
      const due = this.t0 + (second + 1) * 1000;
      timer = setTimeout(() => {
        roll(1000);
        next();
      }, Math.max(0, due - performance.now()));
    };
    next();
    return {
      stop: (endedAt) => {
        if (timer) clearTimeout(timer);
        const span = endedAt - this.t0 - second * 1000;
        // The last part-second (the drain), when anything happened in it; its rate is per second
        // of at least a whole second, so a few stragglers do not read as a burst.
        if (this.recorder.pending) roll(Math.max(span, 1000));
      },
    };
  }

  private maxReached(): boolean {
    return this.spec.maxRequests !== undefined && this.arrivals >= this.spec.maxRequests;
  }

  private openLoop(): void {
    const schedule = this.schedule!;
    const durationMs = this.spec.durationMs;
    const rec = this.recorder;
    let nextAt = schedule.arrivalTime(0);
    const tick = () => {
      if (this.stopping) return;
      let now = performance.now() - this.t0;
      let n = 0;
      while (nextAt <= now && nextAt < durationMs) {
        if (this.maxReached()) {
          this.finish('requests');
          return;
        }
        const intended = this.t0 + nextAt;
        this.arrivals++;
        // The scheduler's own lateness: how long after its intended time the arrival was handed on
        // (CPU-late, a blocked event loop). Waiting for a connection at the cap is the target's doing
        // and counted as `queued` instead.
        rec.lateness(performance.now() - intended);
        this.driver.arrive(intended, this.onDone);
        if ((++n & 15) === 0) now = performance.now() - this.t0;
        nextAt = schedule.arrivalTime(this.arrivals);
      }
      if (nextAt >= durationMs) {
        this.finish('duration');
        return;
      }
      const wait = nextAt - (performance.now() - this.t0);
      // Already due (the loop's clock went stale): go on after pending I/O; otherwise sleep (1 ms at least).
      if (wait <= 0) setImmediate(tick);
      else setTimeout(tick, wait > 1 ? Math.min(wait, 100) - 0.5 : 0);
    };
    tick();
  }

  private readonly onDone = (): void => {
    if (this.maxReached() && this.driver.inFlight() === 0 && this.schedule) this.finish('requests');
  };

  private closedLoop(): void {
    const think = this.spec.thinkMs;
    const workers = this.spec.connections!;
    const loop = () => {
      if (this.stopping) return;
      if (this.maxReached()) {
        if (this.driver.inFlight() === 0) this.finish('requests');
        return;
      }
      this.arrivals++;
      this.driver.arrive(performance.now(), () => {
        // The workload itself thinks between journey steps; `get` thinks between requests here.
        const pause = think && this.spec.workload === 'get' ? think[0] + Math.random() * (think[1] - think[0]) : 0;
        if (pause > 0) setTimeout(loop, pause);
        else if (this.recorder.sent % 64 === 0) setImmediate(loop); // let timers and I/O run now and then
        else loop();
      });
    };
    for (let i = 0; i < workers; i++) loop();
  }

  private result(startedAt: string, endedAt: number, unsent: number): LoadResult {
    const spec = this.spec;
    const rec = this.recorder;
    const notes: string[] = [];
    const lateP99Ms = rec.late.at(99);
    const open = this.schedule !== undefined;
    const elapsedSched = Math.min(spec.durationMs, endedAt - this.t0);
    const scheduled = open ? Math.floor(this.schedule!.cumulative(elapsedSched)) + 1 : undefined;
    const targetRate = open ? (this.schedule!.cumulative(elapsedSched) * 1000) / elapsedSched : undefined;
    const spanMs = Math.max(1, (rec.lastFinish || endedAt) - this.t0);
    const achievedRate = (rec.completed * 1000) / spanMs;
    let valid = true;
    if (open && lateP99Ms > LATE_P99_LIMIT_MS) {
      valid = false;
      notes.push(`not measurable: the generator sent late (p99 lateness ${lateP99Ms.toFixed(1)} ms > ${LATE_P99_LIMIT_MS} ms): it, not the target, was saturated`);
    }
    if (open && scheduled !== undefined && rec.queued === 0 && rec.sent < MIN_SEND_SHARE * Math.min(scheduled, spec.maxRequests ?? Infinity) - 2) {
      valid = false;
      notes.push(`not measurable: sent ${rec.sent} of ${scheduled} scheduled (< ${MIN_SEND_SHARE * 100}%) while connections were free`);
    }
    if (open && rec.queued > 0) notes.push(`${rec.queued} arrivals waited for a free connection or journey slot at the cap of ${spec.connections}: the target was the bottleneck (latency counts the wait)`);
    const badSeconds = this.perSecond.filter((s) => !s.valid).length;
    if (badSeconds > 0) notes.push(`${badSeconds} of ${this.perSecond.length} seconds not measurable`);
    if (unsent > 0) notes.push(`${unsent} arrivals were still in flight or waiting when the drain ended (requests cut off count as timeouts)`);
    if (!open) notes.push('closed model: latency from the actual send (no coordinated-omission correction)');
    const extras = this.driver.extras();
    notes.push(...(extras.notes ?? []));
    delete extras.notes;
    const stats = this.driver.stats();
    return {
      spec,
      startedAt,
      durationMs: endedAt - this.t0,
      unit: rec.unit,
      model: open ? 'open' : 'closed',
      sent: rec.sent,
      completed: rec.completed,
      errors: rec.errors,
      errorsByKind: { ...rec.errorsByKind },
      achievedRate,
      ...(targetRate !== undefined ? { targetRate } : {}),
      latency: rec.latency.summary(),
      perSecond: this.perSecond,
      requests: this.driver.requests(),
      unsent,
      ...extras,
      generator: { lateP99Ms, maxConnections: stats.maxConnections, extraConnections: open ? stats.extraConnections : 0, valid, notes },
      stopped: this.stopping ?? 'duration',
    };
  }
}

/** Starts a run (validating the spec first: a bad one throws a LoadError and starts nothing). */
export function startLoad(spec: LoadSpec): LoadRun {
  return new Run(spec);
}
