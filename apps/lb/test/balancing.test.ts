import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { admin, load, request, servedBy, startBackend, startLb, until, type Backend } from './helpers.js';

let backends: Backend[] = [];
before(async () => {
  backends = await Promise.all(['b1', 'b2', 'b3'].map((n) => startBackend(n)));
});
after(async () => {
  await Promise.all(backends.map((b) => b.kill()));
});
const servers = () => backends.map((b) => `${b.name}=${b.address}`).join(',');

test('round robin visits three servers in order', async (t) => {
  const lb = await startLb({ LB_SERVERS: servers(), LB_STICKY: 'false' });
  t.after(() => lb.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const seen: string[] = [];
  for (let i = 0; i < 9; i++) seen.push(servedBy(await request({ port: lb.port, agent })));
  assert.deepEqual(seen, ['b1', 'b2', 'b3', 'b1', 'b2', 'b3', 'b1', 'b2', 'b3']);
});

test('least connections sends new requests away from a server holding slow requests', async (t) => {
  const lb = await startLb({ LB_SERVERS: servers(), LB_STICKY: 'false', LB_ALGORITHM: 'leastconn' });
  t.after(() => lb.close());
  // Load b1 with slow requests: the others drain meanwhile, so every slow request lands on b1.
  const setState = (name: string, state: string) => admin(lb.adminPort, 'PUT', `/api/pools/web/servers/${name}/state`, { state });
  await setState('b2', 'drain');
  await setState('b3', 'drain');
  const onB1 = () => lb.lb.pools.get('web')!.get('b1')!.inflight;
  const slow = Array.from({ length: 3 }, () => request({ port: lb.port, path: '/slow?ms=1500' }).catch(() => undefined));
  await until('three slow requests on b1', () => onB1() === 3, 5000);
  await setState('b2', 'ready');
  await setState('b3', 'ready');
  const { counts, failures } = await load(lb.port, 60, 1);
  assert.deepEqual(failures, []);
  assert.equal(counts.b1 ?? 0, 0, `fast requests avoid the busy server: ${JSON.stringify(counts)}`);
  assert.ok((counts.b2 ?? 0) > 0 && (counts.b3 ?? 0) > 0);
  await Promise.all(slow);
});

test('weights are respected within 5% over 10k requests', async (t) => {
  const lb = await startLb({ LB_SERVERS: `${backends[0]!.name}=${backends[0]!.address} weight=1,${backends[1]!.name}=${backends[1]!.address} weight=2,${backends[2]!.name}=${backends[2]!.address} weight=5`, LB_STICKY: 'false' });
  t.after(() => lb.close());
  const { counts, failures } = await load(lb.port, 10_000, 16);
  assert.deepEqual(failures, []);
  const expected = { b1: 1 / 8, b2: 2 / 8, b3: 5 / 8 };
  for (const [name, share] of Object.entries(expected)) {
    const got = (counts[name] ?? 0) / 10_000;
    assert.ok(Math.abs(got - share) <= share * 0.05, `${name}: ${got} vs ${share}`);
  }
});

test('weight changed through the admin API applies at once', async (t) => {
  const lb = await startLb({ LB_SERVERS: servers(), LB_STICKY: 'false' });
  t.after(() => lb.close());
  const r = await admin(lb.adminPort, 'PUT', '/api/pools/web/servers/b3/weight', { weight: 8 });
  assert.equal(r.status, 200);
  const { counts } = await load(lb.port, 1000, 4);
  assert.ok(Math.abs((counts.b3 ?? 0) - 800) <= 40, JSON.stringify(counts));
});

test('maxconn queues requests and answers 503 when the queue is full or times out', async (t) => {
  const lb = await startLb({ LB_SERVERS: `${backends[0]!.name}=${backends[0]!.address} maxconn=1`, LB_STICKY: 'false', LB_QUEUE_SIZE: '1', LB_QUEUE_TIMEOUT: '400ms' });
  t.after(() => lb.close());
  const pool = lb.lb.pools.get('web')!;
  const first = request({ port: lb.port, path: '/slow?ms=1200' });
  await until('slot taken', () => pool.servers[0]!.inflight === 1, 5000);
  const queued = request({ port: lb.port, path: '/' });
  await until('request queued', () => pool.queue.length === 1, 5000);
  const overflow = await request({ port: lb.port, path: '/' });
  assert.equal(overflow.status, 503);
  assert.equal(overflow.headers['x-scaleout-error'], 'LB_ERR_QUEUE_FULL');
  assert.equal(overflow.headers['x-served-by'], 'lb-test');
  const q = await queued;
  assert.equal(q.status, 503);
  assert.equal(q.headers['x-scaleout-error'], 'LB_ERR_QUEUE_TIMEOUT');
  assert.equal((await first).status, 200);
  // with the slot free, a queued request is served when the slot is released
  const slow = request({ port: lb.port, path: '/slow?ms=200' });
  await until('slot taken again', () => pool.servers[0]!.inflight === 1, 5000);
  const waits = await request({ port: lb.port, path: '/' });
  assert.equal(waits.status, 200);
  assert.equal((await slow).status, 200);
});
