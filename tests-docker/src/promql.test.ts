import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricNamesIn, substituteGrafanaVariables } from './promql.js';

test('finds the selector names and skips functions, aggregations, keywords and label lists', () => {
  assert.deepEqual(
    metricNamesIn('histogram_quantile(0.95, sum by (le, instance) (rate(scaleout_lb_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))'),
    ['scaleout_lb_request_duration_seconds_bucket'],
  );
  assert.deepEqual(
    metricNamesIn('sum without (pod) (a_total) / on (job) group_left (x) b_total > bool 0 and c unless d offset 5m'),
    ['a_total', 'b_total', 'c', 'd'],
  );
  assert.deepEqual(metricNamesIn('(sum(rate(x_total{code="5xx"}[1m])) or vector(0)) + count(up)'), ['up', 'x_total']);
});

test('ignores label values, strings and durations that look like names', () => {
  assert.deepEqual(metricNamesIn('m{job="not_a_metric", a!~"b|c"}[1h30m] * 1e3'), ['m']);
  assert.deepEqual(metricNamesIn('label_replace(m, "dst", "$1", "src", "(.*)")'), ['m']);
  assert.deepEqual(metricNamesIn('{__name__="by_name_only", job="x"}'), ['by_name_only']);
});

test('Grafana variables become values promtool parses', () => {
  assert.equal(substituteGrafanaVariables('rate(x[$__rate_interval])'), 'rate(x[1m])');
  assert.equal(substituteGrafanaVariables('x{instance=~"$instance", b="${b}"}'), 'x{instance=~".*", b=".*"}');
});
