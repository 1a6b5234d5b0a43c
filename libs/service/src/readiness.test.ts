import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { healthRoutes, Readiness } from './index.js';

test('readiness: critical failures gate, non-critical are reported, timeouts fail', async () => {
  const r = new Readiness();
  r.register('db', async () => {});
  r.register('cache', () => false, { critical: false });
  let rep = await r.evaluate();
  assert.equal(rep.ready, true);
  assert.equal(rep.checks.cache?.ok, false);

  r.register('slow', () => new Promise(() => {}), { timeoutMs: 30 });
  rep = await r.evaluate();
  assert.equal(rep.ready, false);
  assert.match(rep.checks.slow?.error ?? '', /timed out/);
  r.unregister('slow');

  r.register('boom', () => {
    throw new Error('db down');
  });
  rep = await r.evaluate();
  assert.equal(rep.ready, false);
  assert.equal(rep.checks.boom?.error, 'db down');
});

test('/healthz and /readyz routes, draining answers 503', async (t) => {
  const readiness = new Readiness();
  const app = Fastify();
  t.after(() => app.close());
  await app.register(healthRoutes, { readiness, service: 'web', instance: 'web1' });
  const h = await app.inject({ url: '/healthz' });
  assert.equal(h.statusCode, 200);
  assert.equal(h.json().instance, 'web1');
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  readiness.setDraining();
  const d = await app.inject({ url: '/readyz' });
  assert.equal(d.statusCode, 503);
  assert.equal(d.json().status, 'draining');
});
