/** Metrics the autoscaler understands. Per-replica metrics are averaged over replicas; `p99` is one value for the service. */
export const METRIC_NAMES = ['inflight', 'rps', 'cpu', 'p99'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
/** Metrics every replica reports (HPA "Pods"/"Resource" metrics with an average-value target). */
export type ReplicaMetricName = 'inflight' | 'rps' | 'cpu';
/** Metrics measured once for the whole service (HPA "Object" metric with a value target): p99 at the LB, in ms. */
export type ObjectMetricName = 'p99';

export const METRIC_KIND: Readonly<Record<MetricName, 'per-replica' | 'object'>> = {
  inflight: 'per-replica',
  rps: 'per-replica',
  cpu: 'per-replica',
  p99: 'object',
};

export function isReplicaMetric(name: MetricName): name is ReplicaMetricName {
  return METRIC_KIND[name] === 'per-replica';
}

/** One metric and its target: average per replica (inflight, rps, cpu in cores) or the value itself (p99 in ms). */
export interface MetricTarget {
  readonly name: MetricName;
  readonly target: number;
}

/** HPA `HPAScalingPolicy`: at most `value` replicas (Pods) or percent of the replicas (Percent) per `periodSeconds`. */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** HPA `HPAScalingRules` for one direction, plus the direction's tolerance (HPA's configurable tolerance). */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly ScalingPolicy[];
  readonly tolerance: number;
}

export interface PredictiveConfig {
  /** Off by default. */
  readonly enabled: boolean;
  /** The linear fit uses the samples of the last `windowSeconds`. */
  readonly windowSeconds: number;
  /** The fit is evaluated `leadSeconds` after now. */
  readonly leadSeconds: number;
  /** No prediction with fewer samples than this in the window. */
  readonly minSamples: number;
}

/** A validated configuration, as returned by `parseAutoscaleConfig` (every default filled in). */
export interface AutoscaleConfig {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricTarget[];
  /** How often the controller calls `recommend` (HPA `--horizontal-pod-autoscaler-sync-period`). */
  readonly syncPeriodSeconds: number;
  /** A replica's metrics count only once it has been ready this long (EC2 instance warm-up). */
  readonly warmupSeconds: number;
  /** EC2's rule: no scale-in while a replica is warming up. */
  readonly blockScaleInWhileWarming: boolean;
  readonly behavior: { readonly scaleUp: ScalingRules; readonly scaleDown: ScalingRules };
  readonly predictive: PredictiveConfig;
}

/** HPA defaults (kube-controller-manager flags and `behavior` defaults). */
export const HPA_DEFAULTS = {
  tolerance: 0.1,
  syncPeriodSeconds: 15,
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  },
} as const satisfies {
  tolerance: number;
  syncPeriodSeconds: number;
  scaleUp: Omit<ScalingRules, 'tolerance'>;
  scaleDown: Omit<ScalingRules, 'tolerance'>;
};

/** Our own defaults where the HPA has none. */
export const AUTOSCALE_DEFAULTS = {
  metric: { name: 'inflight', target: 10 } satisfies MetricTarget,
  warmupSeconds: 30,
  blockScaleInWhileWarming: true,
  predictive: { enabled: false, windowSeconds: 60, leadSeconds: 30, minSamples: 3 } satisfies PredictiveConfig,
  /** HPA's limit on `periodSeconds`. */
  maxPeriodSeconds: 1800,
  /** HPA's limit on stabilisation windows (one hour). */
  maxWindowSeconds: 3600,
} as const;
