import type { ScalingPolicy, ScalingRules } from './autoscale-config.js';
import type { ScaleEvent } from './autoscale-state.js';

export interface ScaleLimit {
  /** Highest (up) or lowest (down) count the policies allow now. */
  readonly limit: number;
  /** The policy that gave the limit; null when the direction is Disabled. */
  readonly policy: ScalingPolicy | null;
  readonly periodStartReplicas: number;
}

/** Replicas added (direction up) or removed (down) by the events inside the last `periodSeconds`. */
export function replicasChangedInPeriod(
  events: readonly ScaleEvent[],
  nowMs: number,
  periodSeconds: number,
  direction: 'up' | 'down',
): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let n = 0;
  for (const e of events) {
    if (e.atMs <= cutoff) continue;
    if (direction === 'up' && e.to > e.from) n += e.to - e.from;
    if (direction === 'down' && e.to < e.from) n += e.from - e.to;
  }
  return n;
}

/**
 * HPA `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors`: each policy allows a
 * change relative to the count at the start of its period (current − added + removed in the period); Pods adds
 * or removes `value` replicas, Percent multiplies by (1 ± value/100) (rounded up for scale-up, down for
 * scale-down); `selectPolicy` Max takes the policy allowing the largest change, Min the smallest, Disabled none.
 */
export function scaleLimit(
  direction: 'up' | 'down',
  current: number,
  events: readonly ScaleEvent[],
  nowMs: number,
  rules: ScalingRules,
): ScaleLimit {
  if (rules.selectPolicy === 'Disabled' || rules.policies.length === 0) {
    return { limit: current, policy: null, periodStartReplicas: current };
  }
  const wantLargest = (direction === 'up') === (rules.selectPolicy === 'Max');
  let best: ScaleLimit | null = null;
  for (const policy of rules.policies) {
    const added = replicasChangedInPeriod(events, nowMs, policy.periodSeconds, 'up');
    const removed = replicasChangedInPeriod(events, nowMs, policy.periodSeconds, 'down');
    const start = current - added + removed;
    let proposed: number;
    if (direction === 'up') {
      proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100) - 1e-9);
    } else {
      proposed = policy.type === 'Pods' ? start - policy.value : Math.floor(start * (1 - policy.value / 100) + 1e-9);
    }
    if (best === null || (wantLargest ? proposed > best.limit : proposed < best.limit)) {
      best = { limit: proposed, policy, periodStartReplicas: start };
    }
  }
  return best!;
}
