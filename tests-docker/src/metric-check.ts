import { dashboardExpressions } from './dashboards/grafana-model.js';
import type { MetricCatalog } from './metric-catalog.js';
import { metricNamesIn } from './promql.js';

/** Series Prometheus makes itself for every target; always available. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

export interface MissingMetric {
  dashboard: string;
  where: string;
  name: string;
}

/** Every metric name used by the dashboards, with where it is used. */
export function dashboardMetricUses(dashboards: { file: string; json: unknown }[]): { dashboard: string; where: string; name: string }[] {
  const out: { dashboard: string; where: string; name: string }[] = [];
  for (const d of dashboards) {
    for (const e of dashboardExpressions(d.json)) {
      for (const name of metricNamesIn(e.expr)) out.push({ dashboard: d.file, where: e.where, name });
    }
  }
  return out;
}

/** The dashboard metric names the catalog does not have. */
export function missingDashboardMetrics(dashboards: { file: string; json: unknown }[], catalog: MetricCatalog): MissingMetric[] {
  return dashboardMetricUses(dashboards).filter((u) => !SYNTHETIC.has(u.name) && !catalog.has(u.name));
}
