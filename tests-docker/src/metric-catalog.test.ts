import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricCatalog, parseExposition } from './metric-catalog.js';

const TEXT = `# HELP a_total A counter.
# TYPE a_total counter
a_total{x="1"} 3
# HELP h_seconds A histogram.
# TYPE h_seconds histogram
h_seconds_bucket{le="+Inf"} 1
h_seconds_sum 0.5
h_seconds_count 1
# HELP unseen_total Registered, never incremented.
# TYPE unseen_total counter
`;

test('an exposition gives every family, including ones without samples', () => {
  const { families, samples } = parseExposition(TEXT);
  assert.deepEqual([...families], [['a_total', 'counter'], ['h_seconds', 'histogram'], ['unseen_total', 'counter']]);
  assert.deepEqual([...samples].sort(), ['a_total', 'h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum']);
  const catalog = new MetricCatalog();
  catalog.addExposition(TEXT, 'test');
  for (const n of ['a_total', 'h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count', 'unseen_total']) assert.ok(catalog.has(n), n);
  assert.equal(catalog.has('h_seconds'), false, 'a histogram is not selectable by its family name');
});

test('Prometheus metadata expands histograms and summaries', () => {
  const catalog = new MetricCatalog();
  catalog.addPrometheusMetadata({ h: [{ type: 'histogram' }], s: [{ type: 'summary' }], g: [{ type: 'gauge' }] }, 'prom');
  assert.deepEqual(catalog.withPrefix(''), ['g', 'h_bucket', 'h_count', 'h_sum', 's', 's_count', 's_sum']);
});
