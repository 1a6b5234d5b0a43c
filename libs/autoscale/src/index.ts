export {
  AUTOSCALE_DEFAULTS,
  HPA_DEFAULTS,
  METRIC_KIND,
  METRIC_NAMES,
  isReplicaMetric,
  type AutoscaleConfig,
  type MetricName,
  type MetricTarget,
  type ObjectMetricName,
  type PredictiveConfig,
  type ReplicaMetricName,
  type ScalingPolicy,
  type ScalingRules,
  type SelectPolicy,
} from './autoscale-config.js';
export { AutoscaleConfigError } from './autoscale-config-error.js';
export { AutoscaleSampleError } from './autoscale-sample-error.js';
export { parseAutoscaleConfig } from './parse-autoscale-config.js';
export { autoscaleConfigFromEnv, AUTOSCALE_ENV } from './autoscale-config-from-env.js';
export type { AutoscaleSample, ReplicaSample } from './autoscale-sample.js';
export {
  initialAutoscaleState,
  type AutoscaleState,
  type MetricPoint,
  type ScaleEvent,
  type TimedRecommendation,
} from './autoscale-state.js';
export type { AutoscaleWhy, MetricWhy } from './autoscale-why.js';
export { proposeForMetric, type MetricProposal, type Tolerance } from './propose-for-metric.js';
export { stabilizeRecommendation, type Stabilized } from './stabilize-recommendation.js';
export { scaleLimit, replicasChangedInPeriod, type ScaleLimit } from './scale-limit.js';
export { linearFit } from './linear-fit.js';
export { summarizeWhy } from './summarize-why.js';
export { recommend, type AutoscaleDecision } from './recommend.js';
export { simulate, type SimulateOptions, type SimulationPoint, type SimulationResult } from './simulate.js';
