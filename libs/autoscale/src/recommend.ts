import { isReplicaMetric, type AutoscaleConfig, type MetricName, type MetricTarget } from './autoscale-config.js';
import type { AutoscaleSample } from './autoscale-sample.js';
import { AutoscaleSampleError } from './autoscale-sample-error.js';
import { initialAutoscaleState, type AutoscaleState, type MetricPoint, type ScaleEvent } from './autoscale-state.js';
import type { AutoscaleWhy, MetricWhy } from './autoscale-why.js';
import { linearFit } from './linear-fit.js';
import { ceilReplicas, isWarm, proposeForMetric, withinTolerance, type Tolerance } from './propose-for-metric.js';
import { scaleLimit } from './scale-limit.js';
import { stabilizeRecommendation } from './stabilize-recommendation.js';
import { summarizeWhy } from './summarize-why.js';

/** The outcome of one sync. `state` assumes `desired` is applied: pass it to the next call. */
export interface AutoscaleDecision {
  readonly nowMs: number;
  readonly current: number;
  readonly desired: number;
  /** Largest per-metric proposal from current values (null when no metric was usable). */
  readonly plain: number | null;
  /** Largest per-metric proposal from predicted values (null when predictive is off or lacks history). */
  readonly predicted: number | null;
  readonly why: AutoscaleWhy;
  readonly state: AutoscaleState;
}

type WhyDraft = { -readonly [K in keyof Omit<AutoscaleWhy, 'summary'>]: AutoscaleWhy[K] };

function checkSample(sample: AutoscaleSample): void {
  if (!Number.isFinite(sample.nowMs)) throw new AutoscaleSampleError(`nowMs = ${String(sample.nowMs)}; a finite number of ms`);
  if (!Number.isInteger(sample.currentReplicas) || sample.currentReplicas < 0) {
    throw new AutoscaleSampleError(`currentReplicas = ${String(sample.currentReplicas)}; an integer ≥ 0`);
  }
  if (!Array.isArray(sample.replicas)) throw new AutoscaleSampleError('replicas is not an array');
  sample.replicas.forEach((r: unknown, i) => {
    const rep = r as { readySinceMs?: unknown; metrics?: unknown } | null;
    if (typeof rep !== 'object' || rep === null) throw new AutoscaleSampleError(`replicas[${i}] is not an object`);
    if (rep.readySinceMs !== null && !Number.isFinite(rep.readySinceMs)) {
      throw new AutoscaleSampleError(`replicas[${i}].readySinceMs = ${String(rep.readySinceMs)}; a number of ms or null`);
    }
    if (typeof rep.metrics !== 'object' || rep.metrics === null) throw new AutoscaleSampleError(`replicas[${i}].metrics is not an object`);
  });
}

/** The value the predictive step tracks: total load over every replica reporting it (per-replica), or the value. */
function loadPoint(spec: MetricTarget, sample: AutoscaleSample): number | null {
  if (!isReplicaMetric(spec.name)) {
    const v = sample.objects?.[spec.name];
    return v !== undefined && Number.isFinite(v) ? v : null;
  }
  let sum = 0;
  let n = 0;
  for (const r of sample.replicas) {
    const v = r.metrics[spec.name];
    if (r.draining || v === undefined || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum : null;
}

/**
 * Predictive proposal for one metric: a least-squares line through the window's points, evaluated
 * `leadSeconds` ahead. Per-replica metrics predict the total load, so the proposal is ceil(total / target)
 * (what the plain rule gives when every replica counts); p99 scales the ready replicas by predicted / target.
 * Returns the predicted value (per-replica average over the current replicas, or p99) and its proposal.
 */
function predict(
  spec: MetricTarget,
  points: readonly MetricPoint[],
  sample: AutoscaleSample,
  config: AutoscaleConfig,
  tol: Tolerance,
): { value: number; replicas: number } | null {
  const p = config.predictive;
  if (points.length < p.minSamples) return null;
  const fit = linearFit(points.map((pt) => ({ x: (pt.atMs - sample.nowMs) / 1000, y: pt.value })));
  if (!fit) return null;
  const predicted = Math.max(0, fit.intercept + fit.slope * p.leadSeconds);
  const current = sample.currentReplicas;
  if (isReplicaMetric(spec.name)) {
    const ratio = predicted / (spec.target * current);
    const replicas = withinTolerance(ratio, tol) ? current : ceilReplicas(predicted / spec.target);
    return { value: predicted / current, replicas };
  }
  const ratio = predicted / spec.target;
  if (withinTolerance(ratio, tol)) return { value: predicted, replicas: current };
  const ready = sample.replicas.filter((r) => !r.draining && r.readySinceMs !== null).length;
  if (ready === 0) return null;
  return { value: predicted, replicas: ceilReplicas(ratio * ready) };
}

function pruneEvents(events: readonly ScaleEvent[], nowMs: number, config: AutoscaleConfig): ScaleEvent[] {
  const periods = [...config.behavior.scaleUp.policies, ...config.behavior.scaleDown.policies].map((p) => p.periodSeconds);
  const longest = Math.max(0, ...periods);
  return events.filter((e) => e.atMs > nowMs - longest * 1000);
}

/**
 * One autoscaler sync, as the HPA controller does it: per-metric proposals (tolerance, missing metrics,
 * not-ready and warming replicas), the largest wins; the stabilisation windows; the rate policies computed
 * from the scale events of their periods; the min/max bounds; and, when on, EC2's "no scale-in while warming"
 * and the predictive step. Pure: the same inputs always give the same decision.
 */
export function recommend(
  config: AutoscaleConfig,
  sample: AutoscaleSample,
  state: AutoscaleState = initialAutoscaleState(),
): AutoscaleDecision {
  checkSample(sample);
  const { nowMs, currentReplicas: current } = sample;
  const { scaleUp, scaleDown } = config.behavior;
  const tol: Tolerance = { up: scaleUp.tolerance, down: scaleDown.tolerance };

  // Predictive history: one point per metric per sync, kept for the window.
  const history: Partial<Record<MetricName, readonly MetricPoint[]>> = {};
  if (config.predictive.enabled) {
    const cutoff = nowMs - config.predictive.windowSeconds * 1000;
    for (const spec of config.metrics) {
      const kept = (state.history[spec.name] ?? []).filter((pt) => pt.atMs > cutoff && pt.atMs < nowMs);
      const v = loadPoint(spec, sample);
      history[spec.name] = v === null ? kept : [...kept, { atMs: nowMs, value: v }];
    }
  }
  let recommendations = state.recommendations;
  const events = pruneEvents(state.scaleEvents, nowMs, config);

  const finish = (desired: number, why: Omit<AutoscaleWhy, 'summary'>): AutoscaleDecision => {
    const scaleEvents = desired !== current ? [...events, { atMs: nowMs, from: current, to: desired }] : events;
    return {
      nowMs,
      current,
      desired,
      plain: why.plain,
      predicted: why.predicted,
      why: { ...why, summary: summarizeWhy(current, desired, why) },
      state: { recommendations, scaleEvents, history },
    };
  };
  const empty = { metrics: [], chosenMetric: null, tolerance: tol, plain: null, predicted: null, recommendation: null };

  if (current > config.maxReplicas) {
    return finish(config.maxReplicas, { ...empty, rule: 'above-max', clamped: { bound: 'max', from: current, to: config.maxReplicas } });
  }
  if (current < config.minReplicas) {
    return finish(config.minReplicas, { ...empty, rule: 'below-min', clamped: { bound: 'min', from: current, to: config.minReplicas } });
  }

  const metrics: MetricWhy[] = config.metrics.map((spec) => {
    const proposal = proposeForMetric(spec, sample, tol, config.warmupSeconds);
    const points = history[spec.name];
    const pred = points && proposal.outcome !== 'unavailable' ? predict(spec, points, sample, config, tol) : null;
    return { ...proposal, predictedValue: pred?.value ?? null, predictedReplicas: pred?.replicas ?? null };
  });

  let plain: number | null = null;
  let predicted: number | null = null;
  let chosenMetric: MetricName | null = null;
  let invalid = 0;
  for (const m of metrics) {
    if (m.replicas === null) {
      invalid++;
      continue;
    }
    const best = Math.max(m.replicas, m.predictedReplicas ?? m.replicas);
    const bestSoFar = Math.max(plain ?? -1, predicted ?? -1);
    if (best > bestSoFar) chosenMetric = m.metric;
    if (plain === null || m.replicas > plain) plain = m.replicas;
    if (m.predictedReplicas !== null && (predicted === null || m.predictedReplicas > predicted)) predicted = m.predictedReplicas;
  }
  if (plain === null) {
    return finish(current, { ...empty, rule: 'metrics-unavailable', metrics });
  }
  const recommendation = Math.max(plain, predicted ?? plain);
  const base = { metrics, chosenMetric, tolerance: tol, plain, predicted, recommendation };
  if (invalid > 0 && recommendation < current) {
    return finish(current, { ...base, rule: 'scale-down-skipped' });
  }

  const stab = stabilizeRecommendation(recommendation, current, nowMs, recommendations, scaleUp, scaleDown);
  recommendations = stab.recommendations;
  const why: WhyDraft = { ...base, rule: 'metrics' };
  if (stab.window) {
    const rules = stab.window === 'up' ? scaleUp : scaleDown;
    why.stabilized = { window: stab.window, windowSeconds: rules.stabilizationWindowSeconds, from: recommendation, to: stab.replicas };
  }

  let desired = stab.replicas;
  if (desired > current) {
    const lim = scaleLimit('up', current, events, nowMs, scaleUp);
    const limit = Math.max(lim.limit, current);
    const maxAllowed = Math.min(config.maxReplicas, limit);
    if (desired > maxAllowed) {
      if (limit < config.maxReplicas) {
        why.limited = { direction: 'up', selectPolicy: scaleUp.selectPolicy, policy: lim.policy, periodStartReplicas: lim.periodStartReplicas, from: desired, to: maxAllowed };
      } else {
        why.clamped = { bound: 'max', from: desired, to: maxAllowed };
      }
      desired = maxAllowed;
    }
  } else if (desired < current) {
    const lim = scaleLimit('down', current, events, nowMs, scaleDown);
    const limit = Math.min(lim.limit, current);
    const minAllowed = Math.max(config.minReplicas, limit);
    if (desired < minAllowed) {
      if (limit > config.minReplicas) {
        why.limited = { direction: 'down', selectPolicy: scaleDown.selectPolicy, policy: lim.policy, periodStartReplicas: lim.periodStartReplicas, from: desired, to: minAllowed };
      } else {
        why.clamped = { bound: 'min', from: desired, to: minAllowed };
      }
      desired = minAllowed;
    }
  }

  if (desired < current && config.blockScaleInWhileWarming) {
    // Ready but inside the warm-up (a replica that never gets ready must not block scale-in forever).
    const warming = sample.replicas.filter(
      (r) => !r.draining && r.readySinceMs !== null && !isWarm(r.readySinceMs, nowMs, config.warmupSeconds),
    ).length;
    if (warming > 0) {
      why.blocked = { reason: 'warming', warming, from: desired, to: current };
      desired = current;
    }
  }
  return finish(desired, why);
}
