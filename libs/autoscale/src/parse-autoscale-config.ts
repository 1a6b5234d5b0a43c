import { parseDuration } from '@scaleout/service';
import {
  AUTOSCALE_DEFAULTS,
  HPA_DEFAULTS,
  METRIC_NAMES,
  type AutoscaleConfig,
  type MetricName,
  type MetricTarget,
  type PredictiveConfig,
  type ScalingPolicy,
  type ScalingRules,
  type SelectPolicy,
} from './autoscale-config.js';
import { AutoscaleConfigError } from './autoscale-config-error.js';

type Obj = Record<string, unknown>;

const TOP_KEYS = [
  'min',
  'minReplicas',
  'max',
  'maxReplicas',
  'metric',
  'target',
  'metrics',
  'tolerance',
  'syncPeriodSeconds',
  'warmupSeconds',
  'blockScaleInWhileWarming',
  'behavior',
  'predictive',
];
const RULE_KEYS = ['stabilizationWindowSeconds', 'selectPolicy', 'policies', 'tolerance'];
const PREDICTIVE_KEYS = ['enabled', 'windowSeconds', 'leadSeconds', 'minSamples'];
const DEFAULT_MAX_REPLICAS = 10;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new AutoscaleConfigError(`${path}${k}`, o[k], `one of the fields ${allowed.join(', ')}`);
  }
}

function num(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return undefined;
}

function int(raw: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER, what = ''): number {
  const n = num(raw);
  if (n === undefined || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new AutoscaleConfigError(field, raw, `an integer ${range}${what}`);
  }
  return n;
}

/** A duration in seconds: a number (seconds) or a string `30`, `250ms`, `15s`, `5m`, `1h`. */
function seconds(raw: unknown, field: string, min: number, max: number): number {
  let s: number | undefined = num(raw);
  if (s === undefined && typeof raw === 'string') {
    const ms = parseDuration(raw);
    s = ms === undefined ? undefined : ms / 1000;
  }
  if (s === undefined || !Number.isFinite(s) || s < min || s > max) {
    throw new AutoscaleConfigError(field, raw, `a duration in seconds (a number, or 250ms, 15s, 5m, 1h) from ${min} to ${max} s`);
  }
  return s;
}

function bool(raw: unknown, field: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase();
    if (['true', 'on', 'yes', '1'].includes(t)) return true;
    if (['false', 'off', 'no', '0'].includes(t)) return false;
  }
  throw new AutoscaleConfigError(field, raw, 'true or false (or on/off, yes/no, 1/0)');
}

function tolerance(raw: unknown, field: string): number {
  const n = num(raw);
  if (n === undefined || !Number.isFinite(n) || n < 0 || n >= 1) {
    throw new AutoscaleConfigError(field, raw, 'a number from 0 to below 1 (0.1 = 10%)');
  }
  return n;
}

function target(name: MetricName, raw: unknown, field: string): number {
  // p99 is a latency in ms: a number, or a duration such as 250ms or 0.5s.
  let n = num(raw);
  if (n === undefined && name === 'p99' && typeof raw === 'string') n = parseDuration(raw);
  if (n === undefined || !Number.isFinite(n) || n <= 0) {
    const unit = name === 'p99' ? 'a latency in ms > 0 (or 250ms, 0.5s)' : 'a number > 0';
    throw new AutoscaleConfigError(field, raw, unit);
  }
  return n;
}

function metricName(raw: unknown, field: string): MetricName {
  const t = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (typeof t === 'string' && (METRIC_NAMES as readonly string[]).includes(t)) return t as MetricName;
  throw new AutoscaleConfigError(field, raw, `one of ${METRIC_NAMES.join(', ')}`);
}

function metrics(o: Obj): MetricTarget[] {
  const list: MetricTarget[] = [];
  if (o.metrics !== undefined) {
    if (o.metric !== undefined || o.target !== undefined) {
      throw new AutoscaleConfigError('metric', o.metric ?? o.target, 'metric/target or metrics, not both');
    }
    const raw = o.metrics;
    if (typeof raw === 'string') {
      // "inflight=10,p99=250ms"
      const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
      parts.forEach((part, i) => {
        const m = /^([A-Za-z0-9_-]+)\s*[=:]\s*(.+)$/.exec(part);
        if (!m) throw new AutoscaleConfigError(`metrics[${i}]`, part, 'name=target, e.g. inflight=10,p99=250ms');
        const name = metricName(m[1], `metrics[${i}].name`);
        list.push({ name, target: target(name, m[2], `metrics[${i}].target`) });
      });
    } else if (Array.isArray(raw)) {
      raw.forEach((item: unknown, i) => {
        if (!isObj(item)) throw new AutoscaleConfigError(`metrics[${i}]`, item, 'an object { name, target }');
        checkKeys(item, ['name', 'target'], `metrics[${i}].`);
        const name = metricName(item.name, `metrics[${i}].name`);
        list.push({ name, target: target(name, item.target, `metrics[${i}].target`) });
      });
    } else {
      throw new AutoscaleConfigError('metrics', raw, 'a list of { name, target } or a string such as inflight=10,p99=250ms');
    }
    if (list.length === 0) throw new AutoscaleConfigError('metrics', raw, `at least one of ${METRIC_NAMES.join(', ')}`);
  } else if (o.metric !== undefined || o.target !== undefined) {
    const name = o.metric === undefined ? AUTOSCALE_DEFAULTS.metric.name : metricName(o.metric, 'metric');
    const t = o.target === undefined && name === AUTOSCALE_DEFAULTS.metric.name ? AUTOSCALE_DEFAULTS.metric.target : target(name, o.target, 'target');
    list.push({ name, target: t });
  } else {
    list.push({ ...AUTOSCALE_DEFAULTS.metric });
  }
  const seen = new Set<MetricName>();
  list.forEach((m, i) => {
    if (seen.has(m.name)) throw new AutoscaleConfigError(`metrics[${i}].name`, m.name, 'each metric once');
    seen.add(m.name);
  });
  return list;
}

function selectPolicy(raw: unknown, field: string): SelectPolicy {
  const t = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (t === 'max') return 'Max';
  if (t === 'min') return 'Min';
  if (t === 'disabled') return 'Disabled';
  throw new AutoscaleConfigError(field, raw, 'Max, Min or Disabled');
}

function policies(raw: unknown, field: string): ScalingPolicy[] {
  const out: ScalingPolicy[] = [];
  const maxPeriod = AUTOSCALE_DEFAULTS.maxPeriodSeconds;
  if (typeof raw === 'string') {
    // "4pods/15s,100%/15s"
    raw
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .forEach((part, i) => {
        const m = /^(\d+)\s*(pods?|%)\s*\/\s*(.+)$/i.exec(part);
        if (!m) throw new AutoscaleConfigError(`${field}[${i}]`, part, 'N pods/period or N%/period, e.g. 4pods/15s,100%/15s');
        out.push({
          type: m[2] === '%' ? 'Percent' : 'Pods',
          value: int(m[1], `${field}[${i}].value`, 1),
          periodSeconds: seconds(m[3], `${field}[${i}].periodSeconds`, 1, maxPeriod),
        });
      });
  } else if (Array.isArray(raw)) {
    raw.forEach((item: unknown, i) => {
      const f = `${field}[${i}]`;
      if (!isObj(item)) throw new AutoscaleConfigError(f, item, 'an object { type, value, periodSeconds }');
      checkKeys(item, ['type', 'value', 'periodSeconds'], `${f}.`);
      const t = typeof item.type === 'string' ? item.type.trim().toLowerCase() : '';
      if (t !== 'pods' && t !== 'percent') throw new AutoscaleConfigError(`${f}.type`, item.type, 'Pods or Percent');
      out.push({
        type: t === 'pods' ? 'Pods' : 'Percent',
        value: int(item.value, `${f}.value`, 1),
        periodSeconds: seconds(item.periodSeconds, `${f}.periodSeconds`, 1, maxPeriod),
      });
    });
  } else {
    throw new AutoscaleConfigError(field, raw, 'a list of { type, value, periodSeconds } or a string such as 4pods/15s,100%/15s');
  }
  if (out.length === 0) throw new AutoscaleConfigError(field, raw, 'at least one policy (use selectPolicy Disabled to turn a direction off)');
  return out;
}

function rules(raw: unknown, dir: 'scaleUp' | 'scaleDown', defaultTolerance: number): ScalingRules {
  const d = HPA_DEFAULTS[dir];
  const path = `behavior.${dir}`;
  if (raw === undefined) return { ...d, policies: [...d.policies], tolerance: defaultTolerance };
  if (!isObj(raw)) throw new AutoscaleConfigError(path, raw, `an object with ${RULE_KEYS.join(', ')}`);
  checkKeys(raw, RULE_KEYS, `${path}.`);
  return {
    stabilizationWindowSeconds:
      raw.stabilizationWindowSeconds === undefined
        ? d.stabilizationWindowSeconds
        : seconds(raw.stabilizationWindowSeconds, `${path}.stabilizationWindowSeconds`, 0, AUTOSCALE_DEFAULTS.maxWindowSeconds),
    selectPolicy: raw.selectPolicy === undefined ? d.selectPolicy : selectPolicy(raw.selectPolicy, `${path}.selectPolicy`),
    policies: raw.policies === undefined ? [...d.policies] : policies(raw.policies, `${path}.policies`),
    tolerance: raw.tolerance === undefined ? defaultTolerance : tolerance(raw.tolerance, `${path}.tolerance`),
  };
}

function predictive(raw: unknown): PredictiveConfig {
  const d = AUTOSCALE_DEFAULTS.predictive;
  if (raw === undefined) return { ...d };
  if (!isObj(raw)) return { ...d, enabled: bool(raw, 'predictive') };
  checkKeys(raw, PREDICTIVE_KEYS, 'predictive.');
  const maxW = AUTOSCALE_DEFAULTS.maxWindowSeconds;
  return {
    enabled: raw.enabled === undefined ? true : bool(raw.enabled, 'predictive.enabled'),
    windowSeconds: raw.windowSeconds === undefined ? d.windowSeconds : seconds(raw.windowSeconds, 'predictive.windowSeconds', 1, maxW),
    leadSeconds: raw.leadSeconds === undefined ? d.leadSeconds : seconds(raw.leadSeconds, 'predictive.leadSeconds', 0, maxW),
    minSamples: raw.minSamples === undefined ? d.minSamples : int(raw.minSamples, 'predictive.minSamples', 2, 10_000),
  };
}

/**
 * Validates an autoscaler configuration given as a plain object (from the stack spec, JSON or YAML; every
 * scalar may also be a string, as from the environment) and fills in the HPA's defaults. Unknown fields,
 * min > max, an unknown metric, a target ≤ 0 or a bad duration throw `AutoscaleConfigError`
 * (`AUTOSCALE_ERR_CONFIG`) with a one-line message naming the field, the value and what is allowed.
 *
 * Shapes accepted: `{ min, max, metric, target }` (the short form), or `minReplicas`, `maxReplicas`,
 * `metrics: [{ name, target }]` (or `"inflight=10,p99=250ms"`), `tolerance`, `syncPeriodSeconds`,
 * `warmupSeconds`, `blockScaleInWhileWarming`, `behavior: { scaleUp, scaleDown }` as in the HPA
 * (`stabilizationWindowSeconds`, `selectPolicy`, `policies` or `"4pods/15s,100%/15s"`, `tolerance`) and
 * `predictive` (`true`, or `{ enabled, windowSeconds, leadSeconds, minSamples }`).
 */
export function parseAutoscaleConfig(input: unknown = {}): AutoscaleConfig {
  if (!isObj(input)) throw new AutoscaleConfigError('autoscale', input, 'an object');
  checkKeys(input, TOP_KEYS, '');
  if (input.min !== undefined && input.minReplicas !== undefined) {
    throw new AutoscaleConfigError('min', input.min, 'min or minReplicas, not both');
  }
  if (input.max !== undefined && input.maxReplicas !== undefined) {
    throw new AutoscaleConfigError('max', input.max, 'max or maxReplicas, not both');
  }
  const minField = input.min !== undefined ? 'min' : 'minReplicas';
  const maxField = input.max !== undefined ? 'max' : 'maxReplicas';
  const minRaw = input.min ?? input.minReplicas;
  const maxRaw = input.max ?? input.maxReplicas;
  const minReplicas = minRaw === undefined ? 1 : int(minRaw, minField, 1);
  const maxReplicas =
    maxRaw === undefined ? Math.max(DEFAULT_MAX_REPLICAS, minReplicas) : int(maxRaw, maxField, 1, Number.MAX_SAFE_INTEGER);
  if (maxReplicas < minReplicas) {
    throw new AutoscaleConfigError(maxField, maxRaw, `an integer ≥ ${minField} (${minReplicas})`);
  }
  const tol = input.tolerance === undefined ? HPA_DEFAULTS.tolerance : tolerance(input.tolerance, 'tolerance');
  const behavior = input.behavior;
  if (behavior !== undefined && !isObj(behavior)) throw new AutoscaleConfigError('behavior', behavior, 'an object { scaleUp, scaleDown }');
  if (behavior) checkKeys(behavior, ['scaleUp', 'scaleDown'], 'behavior.');
  return {
    minReplicas,
    maxReplicas,
    metrics: metrics(input),
    syncPeriodSeconds:
      input.syncPeriodSeconds === undefined ? HPA_DEFAULTS.syncPeriodSeconds : seconds(input.syncPeriodSeconds, 'syncPeriodSeconds', 1, 3600),
    warmupSeconds:
      input.warmupSeconds === undefined ? AUTOSCALE_DEFAULTS.warmupSeconds : seconds(input.warmupSeconds, 'warmupSeconds', 0, 3600),
    blockScaleInWhileWarming:
      input.blockScaleInWhileWarming === undefined
        ? AUTOSCALE_DEFAULTS.blockScaleInWhileWarming
        : bool(input.blockScaleInWhileWarming, 'blockScaleInWhileWarming'),
    behavior: { scaleUp: rules(behavior?.scaleUp, 'scaleUp', tol), scaleDown: rules(behavior?.scaleDown, 'scaleDown', tol) },
    predictive: predictive(input.predictive),
  };
}
