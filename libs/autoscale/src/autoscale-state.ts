import type { MetricName } from './autoscale-config.js';

/** A recommendation as recorded for the stabilisation windows (HPA `timestampedRecommendation`). */
export interface TimedRecommendation {
  readonly atMs: number;
  readonly replicas: number;
}

/** A replica-count change made by the autoscaler (HPA `timestampedScaleEvent`), for the rate policies. */
export interface ScaleEvent {
  readonly atMs: number;
  readonly from: number;
  readonly to: number;
}

/** One point of a metric's history, for the predictive step: total load (per-replica metrics) or the value (p99). */
export interface MetricPoint {
  readonly atMs: number;
  readonly value: number;
}

/**
 * What the autoscaler remembers between syncs. Immutable: `recommend` returns a new one; keep the latest and
 * pass it to the next call (JSON-serialisable, so a controller can persist it across restarts).
 */
export interface AutoscaleState {
  readonly recommendations: readonly TimedRecommendation[];
  readonly scaleEvents: readonly ScaleEvent[];
  readonly history: Readonly<Partial<Record<MetricName, readonly MetricPoint[]>>>;
}

export function initialAutoscaleState(): AutoscaleState {
  return { recommendations: [], scaleEvents: [], history: {} };
}
