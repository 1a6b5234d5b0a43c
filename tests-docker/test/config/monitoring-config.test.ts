// Prometheus and Grafana configuration, checked without running anything: promtool accepts the
// scrape configuration, every dashboard query parses, the committed dashboards are the generated
// ones, and the provisioning points at the data source the dashboards use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { DATASOURCE, dashboardExpressions } from '../../src/dashboards/grafana-model.js';
import { generatedDashboardFiles, loadDashboardFiles } from '../../src/dashboard-files.js';
import { dashboardMetricUses } from '../../src/metric-check.js';
import { checkExpressionsWithPromtool, promtool } from '../../src/rules-file.js';
import { GRAFANA_PROVISIONING_DIR, PROMETHEUS_CONFIG } from '../../src/stack-paths.js';

test('promtool accepts compose/prometheus/prometheus.yml', () => {
  const res = promtool(['check', 'config', PROMETHEUS_CONFIG]);
  assert.ok(res.ok, res.output);
});

test('Prometheus scrapes one job per service, the web replicas through DNS service discovery', () => {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as {
    scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
  };
  const jobs = new Map(config.scrape_configs.map((j) => [j.job_name, j]));
  assert.deepEqual([...jobs.keys()].sort(), ['db-proxy', 'dns', 'lb', 'prometheus', 'session', 'web']);
  assert.deepEqual(jobs.get('web')!.dns_sd_configs, [{ names: ['web'], type: 'A', port: 3000, refresh_interval: '5s' }]);
  const targets = (job: string) => jobs.get(job)!.static_configs!.flatMap((s) => s.targets).sort();
  assert.deepEqual(targets('lb'), ['lb1:8404', 'lb2:8404']);
  assert.deepEqual(targets('db-proxy'), ['proxy1:6080', 'proxy2:6080']);
  assert.deepEqual(targets('session'), ['session1:4000', 'session2:4000']);
  assert.deepEqual(targets('dns'), ['dns:5380']);
});

test('the committed dashboards are exactly the generated ones (npm run dashboards)', () => {
  const committed = new Map(loadDashboardFiles().map((d) => [d.file, JSON.stringify(d.json, null, 2) + '\n']));
  const generated = generatedDashboardFiles();
  assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort());
  for (const [file, text] of generated) assert.equal(committed.get(file), text, `${file} differs from its generator: run npm run dashboards`);
});

test('there are the five dashboards, every panel with queries on the provisioned data source', () => {
  const dashboards = loadDashboardFiles();
  assert.deepEqual(dashboards.map((d) => d.file), ['db-proxy.json', 'dns.json', 'lb.json', 'overview.json', 'sessions-cache.json']);
  const uids = new Set<string>();
  for (const d of dashboards) {
    const json = d.json as { uid: string; panels: { id: number; type: string; datasource?: unknown; targets?: unknown[] }[] };
    assert.ok(!uids.has(json.uid), `duplicate uid ${json.uid}`);
    uids.add(json.uid);
    const ids = json.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${d.file}: panel ids are unique`);
    for (const p of json.panels.filter((x) => x.type !== 'row')) {
      assert.deepEqual(p.datasource, DATASOURCE, `${d.file} panel ${p.id}`);
      assert.ok((p.targets ?? []).length > 0, `${d.file} panel ${p.id} has queries`);
    }
  }
  const datasources = parse(readFileSync(join(GRAFANA_PROVISIONING_DIR, 'datasources', 'prometheus.yml'), 'utf8')) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  assert.deepEqual(datasources.datasources.map((s) => [s.uid, s.type, s.url]), [[DATASOURCE.uid, DATASOURCE.type, 'http://prometheus:9090']]);
  const providers = parse(readFileSync(join(GRAFANA_PROVISIONING_DIR, 'dashboards', 'scaleout.yml'), 'utf8')) as {
    providers: { options: { path: string } }[];
  };
  assert.equal(providers.providers[0]!.options.path, '/var/lib/scaleout-dashboards');
});

test('every PromQL expression of the dashboards parses (promtool check rules)', () => {
  const expressions = loadDashboardFiles().flatMap((d) => dashboardExpressions(d.json));
  assert.ok(expressions.length >= 100, `found ${expressions.length} expressions`);
  const res = checkExpressionsWithPromtool(expressions);
  assert.ok(res.ok, res.output);
});

test('a broken expression is caught by the same check', () => {
  const res = checkExpressionsWithPromtool([{ where: 'test', expr: 'sum(rate(scaleout_lb_responses_total[1m])' }]);
  assert.equal(res.ok, false);
});

test('the dashboards cover every tier (metric names of each service are used)', () => {
  const names = new Set(dashboardMetricUses(loadDashboardFiles()).map((u) => u.name));
  for (const prefix of ['scaleout_lb_', 'scaleout_dns_', 'scaleout_web_', 'scaleout_session_', 'scaleout_db_proxy_']) {
    assert.ok([...names].some((n) => n.startsWith(prefix)), `no ${prefix}* metric on any dashboard`);
  }
  assert.ok(names.has('up'));
});
