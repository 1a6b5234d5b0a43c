import type { ScalingRules } from './autoscale-config.js';
import type { TimedRecommendation } from './autoscale-state.js';

export interface Stabilized {
  readonly replicas: number;
  /** Which window moved the recommendation, if any. */
  readonly window: 'up' | 'down' | null;
  /** The recommendations still inside the longer window, with this one appended. */
  readonly recommendations: TimedRecommendation[];
}

/**
 * HPA `stabilizeRecommendationWithBehaviors`: over the recommendations of the last window (this one included),
 * a scale-up goes no higher than the lowest of the up window and a scale-down no lower than the highest of the
 * down window; the result is the current count clamped to [up-window min, down-window max].
 */
export function stabilizeRecommendation(
  recommendation: number,
  current: number,
  nowMs: number,
  past: readonly TimedRecommendation[],
  up: ScalingRules,
  down: ScalingRules,
): Stabilized {
  const upCutoff = nowMs - up.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - down.stabilizationWindowSeconds * 1000;
  const keepCutoff = Math.min(upCutoff, downCutoff);
  let upRec = recommendation;
  let downRec = recommendation;
  const kept: TimedRecommendation[] = [];
  for (const rec of past) {
    if (rec.atMs > upCutoff) upRec = Math.min(upRec, rec.replicas);
    if (rec.atMs > downCutoff) downRec = Math.max(downRec, rec.replicas);
    if (rec.atMs > keepCutoff) kept.push(rec);
  }
  kept.push({ atMs: nowMs, replicas: recommendation });
  let replicas = current;
  if (replicas < upRec) replicas = upRec;
  if (replicas > downRec) replicas = downRec;
  // Held above the recommendation: the down window kept a scale-down back; below it: the up window.
  const window = replicas === recommendation ? null : replicas > recommendation ? 'down' : 'up';
  return { replicas, window, recommendations: kept };
}
