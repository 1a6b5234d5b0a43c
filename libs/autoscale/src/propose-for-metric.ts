import { isReplicaMetric, type MetricTarget } from './autoscale-config.js';
import type { AutoscaleSample } from './autoscale-sample.js';
import type { MetricWhy } from './autoscale-why.js';

/** Tolerance per direction: no change while 1 − down ≤ ratio ≤ 1 + up. */
export interface Tolerance {
  readonly up: number;
  readonly down: number;
}

/** Proposal of one metric, without the predictive part (added by `recommend`). */
export type MetricProposal = Omit<MetricWhy, 'predictedValue' | 'predictedReplicas'>;

/** Guards ceil() against floating-point noise such as 3.0000000000000004. */
const EPS = 1e-9;

export function ceilReplicas(x: number): number {
  return Math.ceil(x - EPS);
}

export function withinTolerance(ratio: number, tol: Tolerance): boolean {
  return ratio >= 1 - tol.down - EPS && ratio <= 1 + tol.up + EPS;
}

/** True when the replica's metrics count: ready, and ready for at least the warm-up. */
export function isWarm(readySinceMs: number | null, nowMs: number, warmupSeconds: number): boolean {
  return readySinceMs !== null && nowMs - readySinceMs >= warmupSeconds * 1000;
}

/**
 * The HPA's replica calculation for one metric (replica_calculator.go, as documented under "Algorithm details"):
 * per-replica metrics average over the ready, warm replicas that report a value; replicas without a value
 * ("missing") and replicas not ready or still warming ("unready") are set aside; if any were set aside the ratio
 * is recomputed assuming missing ones at 100% of target on a scale-down and 0 on a scale-up, and unready ones at
 * 0 on a scale-up; a reversed direction or a ratio within tolerance then means no change. Object metrics (p99)
 * scale the number of ready replicas by value / target.
 */
export function proposeForMetric(
  spec: MetricTarget,
  sample: AutoscaleSample,
  tol: Tolerance,
  warmupSeconds: number,
): MetricProposal {
  const current = sample.currentReplicas;
  const live = sample.replicas.filter((r) => !r.draining);
  const base = { metric: spec.name, target: spec.target, correctedRatio: null };

  if (!isReplicaMetric(spec.name)) {
    const value = sample.objects?.[spec.name];
    const ready = live.filter((r) => r.readySinceMs !== null).length;
    const counts = { counted: ready, unready: live.length - ready, missing: 0 };
    if (value === undefined || !Number.isFinite(value)) {
      return { ...base, kind: 'object', ...counts, value: null, ratio: null, outcome: 'unavailable', replicas: null, note: 'no value' };
    }
    const ratio = value / spec.target;
    if (withinTolerance(ratio, tol)) {
      return { ...base, kind: 'object', ...counts, value, ratio, outcome: 'within-tolerance', replicas: current };
    }
    if (ready === 0) {
      return { ...base, kind: 'object', ...counts, value, ratio, outcome: 'unavailable', replicas: null, note: 'no ready replica' };
    }
    return { ...base, kind: 'object', ...counts, value, ratio, outcome: 'scale', replicas: ceilReplicas(ratio * ready) };
  }

  const name = spec.name;
  let sum = 0;
  let counted = 0;
  let unready = 0;
  let missing = 0;
  for (const r of live) {
    if (!isWarm(r.readySinceMs, sample.nowMs, warmupSeconds)) {
      unready++;
      continue;
    }
    const v = r.metrics[name];
    if (v === undefined || !Number.isFinite(v)) {
      missing++;
      continue;
    }
    sum += v;
    counted++;
  }
  const counts = { counted, unready, missing };
  if (counted === 0) {
    return {
      ...base,
      kind: 'per-replica',
      ...counts,
      value: null,
      ratio: null,
      outcome: 'unavailable',
      replicas: null,
      note: 'no ready, warm replica reports it',
    };
  }
  const value = sum / counted;
  const ratio = value / spec.target;
  const head = { ...base, kind: 'per-replica' as const, ...counts, value, ratio };

  const scaleUpWithUnready = unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    if (withinTolerance(ratio, tol)) return { ...head, outcome: 'within-tolerance', replicas: current };
    return { ...head, outcome: 'scale', replicas: ceilReplicas(sum / spec.target) };
  }

  // Conservative recomputation with the set-aside replicas filled in.
  let sum2 = sum;
  let n2 = counted;
  if (missing > 0) {
    if (ratio < 1) {
      sum2 += missing * spec.target;
      n2 += missing;
    } else if (ratio > 1) {
      n2 += missing;
    }
  }
  if (scaleUpWithUnready) n2 += unready;
  const corrected = sum2 / (n2 * spec.target);
  const reversed = (ratio < 1 && corrected > 1) || (ratio > 1 && corrected < 1);
  if (withinTolerance(corrected, tol) || reversed) {
    return { ...head, correctedRatio: corrected, outcome: 'dampened', replicas: current };
  }
  const proposed = ceilReplicas(sum2 / spec.target);
  if ((corrected < 1 && proposed > current) || (corrected > 1 && proposed < current)) {
    return { ...head, correctedRatio: corrected, outcome: 'dampened', replicas: current };
  }
  return { ...head, correctedRatio: corrected, outcome: 'scale', replicas: proposed };
}
