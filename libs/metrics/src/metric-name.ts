const PART = /^[a-z][a-z0-9_]*$/;

/** Error raised for a metric name that breaks the `scaleout_<service>_<what>_<unit>` convention. */
export class MetricNameError extends Error {
  readonly code = 'METRICS_ERR_NAME';
  constructor(message: string) {
    super(message);
    this.name = 'MetricNameError';
  }
}

/**
 * Builds a Prometheus metric name following our convention: `scaleout_<service>_<what>[_<unit>]`.
 * Parts are lower snake case; `unit` is a base unit (`seconds`, `bytes`, `total` for counters, …).
 */
export function metricName(service: string, what: string, unit?: string): string {
  const svc = service.replace(/-/g, '_');
  for (const [label, part] of [
    ['service', svc],
    ['what', what],
    ['unit', unit],
  ] as const) {
    if (part !== undefined && !PART.test(part)) {
      throw new MetricNameError(`metric name part ${label}="${part}" must match ${PART}`);
    }
  }
  return unit ? `scaleout_${svc}_${what}_${unit}` : `scaleout_${svc}_${what}`;
}
