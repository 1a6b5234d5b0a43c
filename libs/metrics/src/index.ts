export { createRegistry, type RegistryOptions } from './create-registry.js';
export { metricName, MetricNameError } from './metric-name.js';
export { LATENCY_BUCKETS, FAST_LATENCY_BUCKETS } from './buckets.js';
export { default as metricsPlugin, UNMATCHED_ROUTE, type MetricsPluginOptions } from './metrics-plugin.js';
export { Counter, Gauge, Histogram, Summary, Registry } from 'prom-client';
export type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
