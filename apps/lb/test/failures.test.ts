import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { load, request, servedBy, startBackend, startLb, until } from './helpers.js';

test('a backend killed under GET load: zero failed requests seen by the client', async (t) => {
  const backends = await Promise.all(['k1', 'k2', 'k3'].map((n) => startBackend(n)));
  t.after(() => Promise.all(backends.map((b) => b.kill())));
  const lb = await startLb({ LB_SERVERS: backends.map((b) => `${b.name}=${b.address}`).join(','), LB_STICKY: 'false', LB_EJECT_CONSECUTIVE: '2' });
  t.after(() => lb.close());
  const running = load(lb.port, 3000, 8, '/slow?ms=2');
  await until('traffic on k2', () => lb.lb.pools.get('web')!.get('k2')!.counters.requests > 200, 20_000);
  await backends[1]!.kill('SIGKILL');
  const { counts, failures } = await running;
  assert.deepEqual(failures, [], 'no client saw a failure');
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 3000);
  const k2 = lb.lb.pools.get('web')!.get('k2')!;
  assert.ok(k2.counters.connectionErrors + k2.counters.retries > 0, 'failures on k2 were retried elsewhere');
  assert.ok(k2.ejected, 'k2 passively ejected after consecutive connect errors');
});

test('POST without Idempotency-Key to a resetting backend: 502, sent once; with the key: retried', async (t) => {
  const a = await startBackend('r1');
  const b = await startBackend('r2');
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const lb = await startLb({ LB_SERVERS: `r1=${a.address},r2=${b.address}`, LB_STICKY: 'false', LB_EJECT_CONSECUTIVE: '0' });
  t.after(() => lb.close());
  const r = await request({ port: lb.port, method: 'POST', path: '/reset', body: 'order=1', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 502);
  assert.equal(r.headers['x-scaleout-error'], 'LB_ERR_BAD_GATEWAY');
  assert.equal(r.headers['x-served-by'], 'lb-test');
  const resets = (await a.ctl('/__ctl/stats')).resets + (await b.ctl('/__ctl/stats')).resets;
  assert.equal(resets, 1, 'the POST reached one backend once and was not re-sent');

  const k = await request({ port: lb.port, method: 'POST', path: '/reset', body: 'order=2', headers: { 'idempotency-key': 'k-1' } });
  assert.equal(k.status, 502, 'every server resets, so it still fails…');
  const after = (await a.ctl('/__ctl/stats')).resets + (await b.ctl('/__ctl/stats')).resets;
  assert.equal(after - resets, 2, '…but it was tried on both servers');

  const g = await request({ port: lb.port, path: '/reset' });
  assert.equal(g.status, 502);
  const final = (await a.ctl('/__ctl/stats')).resets + (await b.ctl('/__ctl/stats')).resets;
  assert.equal(final - after, 2, 'GET is retried on another server after a reset');
});

test('GET is retried on 503 from a server; POST is not', async (t) => {
  const a = await startBackend('u1');
  const b = await startBackend('u2');
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const lb = await startLb({ LB_SERVERS: `u1=${a.address},u2=${b.address}`, LB_STICKY: 'false', LB_EJECT_CONSECUTIVE: '0' });
  t.after(() => lb.close());
  const g = await request({ port: lb.port, path: '/status/503' });
  assert.equal(g.status, 503);
  const hits = (await a.ctl('/__ctl/stats')).paths['/status/503']! + (await b.ctl('/__ctl/stats')).paths['/status/503']!;
  assert.equal(hits, 2, 'GET tried on both servers');
  const p = await request({ port: lb.port, method: 'POST', path: '/status/502', body: 'x' });
  assert.equal(p.status, 502);
  const phits = ((await a.ctl('/__ctl/stats')).paths['/status/502'] ?? 0) + ((await b.ctl('/__ctl/stats')).paths['/status/502'] ?? 0);
  assert.equal(phits, 1, 'POST without key not retried on 502');
});

test('a malformed backend response yields 502 for that request only', async (t) => {
  const a = await startBackend('m1');
  t.after(() => a.kill());
  const lb = await startLb({ LB_SERVERS: `m1=${a.address}`, LB_STICKY: 'false', LB_EJECT_CONSECUTIVE: '0' });
  t.after(() => lb.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const bad = await request({ port: lb.port, path: '/malformed', agent });
  assert.equal(bad.status, 502);
  assert.equal(bad.headers['x-scaleout-error'], 'LB_ERR_BAD_RESPONSE');
  const good = await request({ port: lb.port, path: '/fine', agent });
  assert.equal(good.status, 200);
  assert.equal(servedBy(good), 'm1');
});

test('no server: 503 LB_ERR_NO_SERVER; connect failures everywhere: 502', async (t) => {
  const a = await startBackend('gone');
  const addr = a.address;
  await a.kill();
  const lb = await startLb({ LB_SERVERS: `gone=${addr}`, LB_STICKY: 'false', LB_EJECT_CONSECUTIVE: '1', LB_EJECT_TIME: '60s', LB_FAIL_OPEN: 'false' });
  t.after(() => lb.close());
  const r1 = await request({ port: lb.port });
  assert.equal(r1.status, 502);
  assert.equal(r1.headers['x-scaleout-error'], 'LB_ERR_BAD_GATEWAY');
  await until('gone ejected', () => lb.lb.pools.get('web')!.get('gone')!.ejected);
  const r2 = await request({ port: lb.port });
  assert.equal(r2.status, 503);
  assert.equal(r2.headers['x-scaleout-error'], 'LB_ERR_NO_SERVER');
  assert.match(r2.body, /LB_ERR_NO_SERVER/);
});

test('fail open: when every server fails its check, ready servers still take traffic (panic mode)', async (t) => {
  const a = await startBackend('a');
  const b = await startBackend('b');
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const lb = await startLb({
    LB_SERVERS: `a=${a.address},b=${b.address}`,
    LB_STICKY: 'false',
    LB_CHECK_PATH: '/healthz',
    LB_CHECK_INTERVAL: '50ms',
    LB_CHECK_FAST_INTERVAL: '50ms',
    LB_CHECK_DOWN_INTERVAL: '50ms',
    LB_CHECK_FALL: '2',
    LB_CHECK_RISE: '2',
  });
  t.after(() => lb.close());
  // both servers now fail their checks but still answer requests (a shared dependency is down)
  for (const x of [a, b]) await request({ port: x.port, method: 'POST', path: '/__ctl/health?status=503' });
  await until('the LB notices both servers down', async () => (await request({ port: lb.adminPort, path: '/readyz' })).status === 503, 5000);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await request({ port: lb.port, path: '/anything' });
    assert.equal(r.status, 200, 'panic mode forwards to the servers instead of answering 503');
    seen.add(String(r.headers['x-backend']));
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
  const metrics = await request({ port: lb.adminPort, path: '/metrics' });
  assert.match(metrics.body, /scaleout_lb_pool_panic\{pool="web"\} 1/);
  // one server recovers: the pool leaves panic and only the healthy one is used
  await request({ port: a.port, method: 'POST', path: '/__ctl/health?status=200' });
  await until('a comes back', async () => (await request({ port: lb.adminPort, path: '/readyz' })).status === 200, 10_000);
  for (let i = 0; i < 4; i++) assert.equal((await request({ port: lb.port, path: '/x' })).headers['x-backend'], 'a');
});
