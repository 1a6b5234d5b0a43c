// Checks the Grafana dashboards against a running stack: every PromQL expression parses
// (`promtool check rules`) and every metric name they use is exposed by the running services.
//
//   npm run check-dashboards -w @scaleout/docker-tests                      # Prometheus on 127.0.0.1:9090
//   npm run check-dashboards -w @scaleout/docker-tests -- --prometheus http://127.0.0.1:9090
//   npm run check-dashboards -w @scaleout/docker-tests -- --metrics http://127.0.0.1:8404/metrics --metrics …
//
// Works against the compose stack (its Prometheus publishes 9090) and the local process stack
// (`npm start` runs Prometheus on 127.0.0.1:9090 when it is installed). With --prometheus the names
// come from Prometheus's metadata of every scraped target (families with no sample yet included).
import { parseArgs } from 'node:util';
import { dashboardExpressions } from '../src/dashboards/grafana-model.js';
import { loadDashboardFiles } from '../src/dashboard-files.js';
import { MetricCatalog } from '../src/metric-catalog.js';
import { missingDashboardMetrics } from '../src/metric-check.js';
import { checkExpressionsWithPromtool } from '../src/rules-file.js';

const { values } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    metrics: { type: 'string', multiple: true },
  },
});
const metricUrls = values.metrics ?? [];
const prometheus = values.prometheus ?? (metricUrls.length === 0 ? 'http://127.0.0.1:9090' : undefined);

const dashboards = loadDashboardFiles();
const expressions = dashboards.flatMap((d) => dashboardExpressions(d.json));
const parsed = checkExpressionsWithPromtool(expressions);
console.log(`${expressions.length} expressions in ${dashboards.length} dashboards: promtool ${parsed.ok ? 'parses them all' : 'FAILED'}`);
if (!parsed.ok) console.log(parsed.output);

const catalog = new MetricCatalog();
if (prometheus) {
  const res = await fetch(new URL('/api/v1/metadata', prometheus));
  if (!res.ok) throw new Error(`${prometheus}/api/v1/metadata answered ${res.status}`);
  const body = (await res.json()) as { data: Record<string, { type: string }[]> };
  catalog.addPrometheusMetadata(body.data, prometheus);
  const targets = (await (await fetch(new URL('/api/v1/targets', prometheus))).json()) as {
    data: { activeTargets: { labels: Record<string, string>; health: string }[] };
  };
  const down = targets.data.activeTargets.filter((t) => t.health !== 'up');
  console.log(`${prometheus}: ${targets.data.activeTargets.length} targets, ${down.length} not up${down.length ? ': ' + down.map((t) => `${t.labels.job}/${t.labels.instance}`).join(', ') : ''}`);
}
for (const url of metricUrls) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  catalog.addExposition(await res.text(), url);
}
const missing = missingDashboardMetrics(dashboards, catalog);
console.log(`${catalog.size} metric names exposed; ${missing.length} used by the dashboards are missing`);
for (const m of missing) console.log(`  missing ${m.name}  (${m.where})`);
process.exitCode = parsed.ok && missing.length === 0 ? 0 : 1;
