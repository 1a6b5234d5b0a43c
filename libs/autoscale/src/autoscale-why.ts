import type { MetricName, ScalingPolicy, SelectPolicy } from './autoscale-config.js';

/**
 * How one metric's proposal came about. `outcome`:
 * - `scale`: ceil(replicas × ratio) (after the missing/unready assumptions when there were any);
 * - `within-tolerance`: |ratio − 1| within the tolerance, proposal = current;
 * - `dampened`: after the missing/unready assumptions the ratio reversed direction or fell within the
 *   tolerance, proposal = current;
 * - `unavailable`: no usable value (no ready, warm replica reports it; p99 missing; no ready replica).
 */
export interface MetricWhy {
  readonly metric: MetricName;
  readonly kind: 'per-replica' | 'object';
  readonly target: number;
  /** The uncorrected value: average over the counted replicas, or the object value (what HPA reports in status). */
  readonly value: number | null;
  /** value / target. */
  readonly ratio: number | null;
  /** The ratio after assuming missing replicas at 0 or 100% of target and unready ones at 0 (when applied). */
  readonly correctedRatio: number | null;
  /** Replicas whose value counted; replicas set aside as not ready / warming; ready replicas without a value. */
  readonly counted: number;
  readonly unready: number;
  readonly missing: number;
  readonly outcome: 'scale' | 'within-tolerance' | 'dampened' | 'unavailable';
  readonly replicas: number | null;
  /** Predictive step (when on and there is enough history): the value predicted `leadSeconds` ahead and its proposal. */
  readonly predictedValue: number | null;
  readonly predictedReplicas: number | null;
  readonly note?: string;
}

export interface AutoscaleWhy {
  /**
   * - `metrics`: the normal path (metrics, stabilisation, policies, bounds);
   * - `above-max` / `below-min`: current outside the bounds, moved to the bound without looking at metrics;
   * - `metrics-unavailable`: no metric could give a proposal, nothing changes;
   * - `scale-down-skipped`: a metric is unavailable and the others propose a scale-down (HPA skips it).
   */
  readonly rule: 'metrics' | 'above-max' | 'below-min' | 'metrics-unavailable' | 'scale-down-skipped';
  readonly metrics: readonly MetricWhy[];
  /** The metric whose proposal was the largest (the one that decided), null when none. */
  readonly chosenMetric: MetricName | null;
  readonly tolerance: { readonly up: number; readonly down: number };
  /** Largest proposal from current values; from predicted values; the larger of the two (what is recorded). */
  readonly plain: number | null;
  readonly predicted: number | null;
  readonly recommendation: number | null;
  /** The stabilisation window changed the recommendation. */
  readonly stabilized?: {
    readonly window: 'up' | 'down';
    readonly windowSeconds: number;
    readonly from: number;
    readonly to: number;
  };
  /** A rate policy capped the change; `policy` is null when the direction is Disabled. */
  readonly limited?: {
    readonly direction: 'up' | 'down';
    readonly selectPolicy: SelectPolicy;
    readonly policy: ScalingPolicy | null;
    readonly periodStartReplicas: number;
    readonly from: number;
    readonly to: number;
  };
  readonly clamped?: { readonly bound: 'min' | 'max'; readonly from: number; readonly to: number };
  /** Scale-in held back because replicas are warming up (EC2 rule). */
  readonly blocked?: { readonly reason: 'warming'; readonly warming: number; readonly from: number; readonly to: number };
  /** One line for logs, e.g. `4 → 8: inflight 20/10 ratio 2.00 → 8`. */
  readonly summary: string;
}
