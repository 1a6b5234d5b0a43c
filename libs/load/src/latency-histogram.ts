import hdr from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

/** Highest latency recorded: 1 hour, in microseconds (the histogram's unit). */
const HIGHEST_US = 3_600_000_000;

/** An HDR histogram of latencies in milliseconds (stored as µs, 3 significant digits). */
export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });

  record(ms: number): void {
    const us = Math.round(ms * 1000);
    this.h.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** Latency at `p` percent (0–100), ms; 0 when empty. */
  at(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000;
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  reset(): void {
    this.h.reset();
  }

  summary(): LatencySummary {
    if (this.h.totalCount === 0) return { p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
    return {
      p50Ms: this.at(50),
      p90Ms: this.at(90),
      p99Ms: this.at(99),
      p999Ms: this.at(99.9),
      maxMs: this.h.maxValue / 1000,
      meanMs: this.h.mean / 1000,
    };
  }
}
