import { LatencyHistogram } from './latency-histogram.js';
import { ERROR_KINDS, type ErrorKind, type IntervalStats } from './types.js';

/** Lateness (p99, ms) above which the generator, not the target, set the figures. */
export const LATE_P99_LIMIT_MS = 10;
/** Share of the target send rate below which a second (or the run) is not measurable, unless the target was the bottleneck. */
export const MIN_SEND_SHARE = 0.95;

function zeroKinds(): Record<ErrorKind, number> {
  return Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
}

/** Counts and histograms of one run, with a per-second view that is rolled once a second. */
export class Recorder {
  readonly latency = new LatencyHistogram();
  readonly late = new LatencyHistogram();
  private readonly secLatency = new LatencyHistogram();
  private readonly secLate = new LatencyHistogram();
  sent = 0;
  completed = 0;
  errors = 0;
  queued = 0;
  readonly errorsByKind = zeroKinds();
  private secSent = 0;
  private secCompleted = 0;
  private secErrors = 0;
  private secQueued = 0;
  private secKinds = zeroKinds();
  /** performance.now() of the last completion (ok or error). */
  lastFinish = 0;

  constructor(readonly unit: 'requests' | 'journeys') {}

  onSent = (): void => {
    this.sent++;
    this.secSent++;
  };

  /** A completed arrival and its latency from the intended start. */
  complete(latencyMs: number, now: number): void {
    this.completed++;
    this.secCompleted++;
    // Recorded once, in the second's histogram; it is added to the run's when the second rolls.
    this.secLatency.record(latencyMs);
    this.lastFinish = now;
  }

  /** A failed arrival. */
  error(kind: ErrorKind, now: number): void {
    this.errors++;
    this.secErrors++;
    this.errorsByKind[kind]++;
    this.secKinds[kind]++;
    this.lastFinish = now;
  }

  /** How late the generator sent (or started) something it had a free connection for. */
  lateness(ms: number): void {
    this.secLate.record(ms < 0 ? 0 : ms);
  }

  /** An arrival that had to wait for a connection or a journey slot (the target was the bottleneck). */
  onQueued(): void {
    this.queued++;
    this.secQueued++;
  }

  /** Something was counted since the last roll. */
  get pending(): boolean {
    return this.secSent + this.secCompleted + this.secErrors + this.secQueued > 0;
  }

  /** Adds the current second's histograms to the run's and empties them (roll does it; call before reading the run's). */
  flush(): void {
    this.latency.add(this.secLatency);
    this.late.add(this.secLate);
    this.secLatency.reset();
    this.secLate.reset();
  }

  /** Closes the current second. */
  roll(second: number, targetRate: number, inFlight: number, open: boolean, spanMs = 1000): IntervalStats {
    const lateP99Ms = this.secLate.at(99);
    let valid = true;
    let reason: string | undefined;
    if (lateP99Ms > LATE_P99_LIMIT_MS) {
      valid = false;
      reason = `generator late: p99 ${lateP99Ms.toFixed(1)} ms > ${LATE_P99_LIMIT_MS} ms`;
    } else if (open && this.secQueued === 0 && targetRate > 0 && this.secSent < MIN_SEND_SHARE * targetRate * (spanMs / 1000) - 2) {
      valid = false;
      reason = `sent ${this.secSent} of ${Math.round(targetRate * (spanMs / 1000))} scheduled while connections were free`;
    }
    const s: IntervalStats = {
      second: second,
      targetRate,
      sent: this.secSent,
      completed: this.secCompleted,
      rate: (this.secCompleted * 1000) / spanMs,
      errors: this.secErrors,
      errorsByKind: { ...this.secKinds },
      p50Ms: this.secLatency.at(50),
      p90Ms: this.secLatency.at(90),
      p99Ms: this.secLatency.at(99),
      p999Ms: this.secLatency.at(99.9),
      maxMs: this.secLatency.at(100),
      lateP99Ms,
      inFlight,
      valid,
      queued: this.secQueued,
      unit: this.unit,
      ...(reason ? { reason } : {}),
    };
    this.flush();
    this.secSent = this.secCompleted = this.secErrors = this.secQueued = 0;
    this.secKinds = zeroKinds();
    return s;
  }
}
