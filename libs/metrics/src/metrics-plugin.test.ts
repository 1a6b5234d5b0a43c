import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createRegistry, metricsPlugin, metricName, MetricNameError } from './index.js';

test('request histogram is labelled by route template, never by raw URL', async (t) => {
  const registry = createRegistry({ defaultMetrics: false });
  const app = Fastify();
  t.after(() => app.close());
  await app.register(metricsPlugin, { registry, service: 'web' });
  app.get('/products/:id', async () => ({ ok: true }));
  await app.inject({ url: '/products/42' });
  await app.inject({ url: '/products/43' });
  await app.inject({ url: '/nope/123' });

  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/plain/);
  const body = res.body;
  assert.match(
    body,
    /scaleout_web_http_request_duration_seconds_count\{method="GET",route="\/products\/:id",status_code="200"\} 2/,
  );
  assert.match(body, /route="<unmatched>",status_code="404"/);
  assert.doesNotMatch(body, /products\/42/);
  assert.doesNotMatch(body, /nope\/123/);
});

test('default process metrics are collected unless turned off', async () => {
  const withDefaults = createRegistry();
  assert.match(await withDefaults.metrics(), /process_cpu_user_seconds_total/);
  const without = createRegistry({ defaultMetrics: false });
  assert.doesNotMatch(await without.metrics(), /process_cpu_user_seconds_total/);
});

test('metricName builds scaleout_<service>_<what>_<unit> and rejects bad parts', () => {
  assert.equal(metricName('db-proxy', 'queries', 'total'), 'scaleout_db_proxy_queries_total');
  assert.equal(metricName('lb', 'servers_up'), 'scaleout_lb_servers_up');
  assert.throws(() => metricName('lb', 'Bad Name'), MetricNameError);
  assert.throws(() => metricName('lb', 'x', 'Sec'), (e: unknown) => (e as MetricNameError).code === 'METRICS_ERR_NAME');
});
