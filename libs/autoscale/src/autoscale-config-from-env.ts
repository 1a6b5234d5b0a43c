import type { AutoscaleConfig } from './autoscale-config.js';
import { AutoscaleConfigError } from './autoscale-config-error.js';
import { parseAutoscaleConfig } from './parse-autoscale-config.js';

/** `AUTOSCALE_*` variables and the config field each one sets. */
export const AUTOSCALE_ENV: Readonly<Record<string, string>> = {
  AUTOSCALE_MIN: 'minReplicas',
  AUTOSCALE_MAX: 'maxReplicas',
  AUTOSCALE_METRICS: 'metrics',
  AUTOSCALE_TOLERANCE: 'tolerance',
  AUTOSCALE_SYNC_PERIOD: 'syncPeriodSeconds',
  AUTOSCALE_WARMUP: 'warmupSeconds',
  AUTOSCALE_BLOCK_SCALE_IN_WHILE_WARMING: 'blockScaleInWhileWarming',
  AUTOSCALE_UP_STABILIZATION: 'behavior.scaleUp.stabilizationWindowSeconds',
  AUTOSCALE_UP_POLICIES: 'behavior.scaleUp.policies',
  AUTOSCALE_UP_SELECT: 'behavior.scaleUp.selectPolicy',
  AUTOSCALE_UP_TOLERANCE: 'behavior.scaleUp.tolerance',
  AUTOSCALE_DOWN_STABILIZATION: 'behavior.scaleDown.stabilizationWindowSeconds',
  AUTOSCALE_DOWN_POLICIES: 'behavior.scaleDown.policies',
  AUTOSCALE_DOWN_SELECT: 'behavior.scaleDown.selectPolicy',
  AUTOSCALE_DOWN_TOLERANCE: 'behavior.scaleDown.tolerance',
  AUTOSCALE_PREDICTIVE: 'predictive.enabled',
  AUTOSCALE_PREDICTIVE_WINDOW: 'predictive.windowSeconds',
  AUTOSCALE_PREDICTIVE_LEAD: 'predictive.leadSeconds',
  AUTOSCALE_PREDICTIVE_MIN_SAMPLES: 'predictive.minSamples',
};

/**
 * `parseAutoscaleConfig` over environment-style strings (`AUTOSCALE_MIN=2`, `AUTOSCALE_METRICS=inflight=10,p99=250ms`,
 * `AUTOSCALE_DOWN_STABILIZATION=5m`, `AUTOSCALE_UP_POLICIES=4pods/15s,100%/15s`, …). An unknown `AUTOSCALE_*`
 * variable is refused; errors name the variable.
 */
export function autoscaleConfigFromEnv(env: Readonly<Record<string, string | undefined>>): AutoscaleConfig {
  const obj: Record<string, unknown> = {};
  const varOf = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('AUTOSCALE_') || raw === undefined) continue;
    const path = AUTOSCALE_ENV[name];
    if (!path) throw new AutoscaleConfigError(name, raw, `one of the variables ${Object.keys(AUTOSCALE_ENV).join(', ')}`);
    const keys = path.split('.');
    let at = obj;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]!] = raw;
    varOf.set(path, name);
  }
  // Setting only AUTOSCALE_PREDICTIVE_WINDOW (or _LEAD) tunes the predictive step without turning it on.
  const pred = obj.predictive as Record<string, unknown> | undefined;
  if (pred && pred.enabled === undefined) pred.enabled = 'off';
  try {
    return parseAutoscaleConfig(obj);
  } catch (err) {
    if (!(err instanceof AutoscaleConfigError)) throw err;
    // Name the variable rather than the field (metrics[1].target → AUTOSCALE_METRICS).
    const path = [...varOf.keys()].find((p) => err.field === p || err.field.startsWith(`${p}[`) || err.field.startsWith(`${p}.`));
    if (path === undefined) throw err;
    throw new AutoscaleConfigError(`${varOf.get(path)!} (${err.field})`, err.value, err.allowed);
  }
}
