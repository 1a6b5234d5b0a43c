// Acceptance tests of the issue: node loss, restart and repair, concurrent writers, hung nodes, node add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached } from '@scaleout/testing';
import { DirectReader, app, inBatches, memcachedPair, waitFor, type SessionBody } from './helpers.js';

test('10,000 sessions with R=2: kill one of two nodes, all stay readable and writable; restarted empty, a read pass repairs it', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b]);
  const direct = new DirectReader();
  t.after(() => direct.close());
  const N = 10_000;

  const sessions = await inBatches(Array.from({ length: N }, (_, i) => i), 32, async (i) => {
    const res = await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { n: i } } });
    assert.equal(res.statusCode, 201);
    return res.json<SessionBody>();
  });
  assert.equal(new Set(sessions.map((s) => s.id)).size, N, 'distinct ids');

  a.kill('SIGKILL');
  await a.daemon.exited;
  // Every session readable…
  await inBatches(sessions, 32, async (s) => {
    const res = await svc.inject({ url: `/v1/sessions/${s.id}` });
    assert.equal(res.statusCode, 200, `${s.id}: ${res.body}`);
    assert.equal(res.json<SessionBody>().data.n, s.data.n);
    assert.equal(res.headers['x-session-source'], b.address);
  });
  // …and writable (optimistic concurrency works on the surviving replica).
  await inBatches(sessions, 32, async (s) => {
    const res = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': String(s.version) }, payload: { data: { n: s.data.n, w: 2 } } });
    assert.equal(res.statusCode, 200, `${s.id}: ${res.body}`);
    s.version = res.json<SessionBody>().version;
  });
  assert.equal(svc.sessionService.ring.status().find((n) => n.address === a.address)?.state, 'tko');

  await a.start(); // a fresh, empty memcached on the same port
  assert.ok(await waitFor(() => svc.sessionService.ring.status().find((n) => n.address === a.address)?.state === 'up'), 'a rejoins');
  // One full read pass: every read answers the latest version; misses on `a` are repaired.
  await inBatches(sessions, 32, async (s) => {
    const res = await svc.inject({ url: `/v1/sessions/${s.id}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<SessionBody>().version, s.version);
    assert.equal(res.json<SessionBody>().data.w, 2);
  });
  assert.ok(await svc.sessionService.ring.drainRepairs(60_000), 'repairs drain');
  // Both nodes hold every session again, at the latest version (read each node directly).
  for (const node of [a.address, b.address]) {
    const versions = await inBatches(sessions, 64, (s) => direct.session(node, s.id));
    const missing = versions.filter((v, i) => v?.version !== sessions[i]!.version).length;
    assert.equal(missing, 0, `${node} lacks ${missing} of ${N} sessions`);
  }
});

test('two service instances replacing the same version concurrently: exactly one wins, the other gets 412', async (t) => {
  const [a, b] = await memcachedPair(t);
  // A generous timeout: this test is about the CAS race with both nodes up. A read that times out on a
  // starved CI machine fails over to the other replica, whose token can win a second CAS there (the
  // R=2 ring is available, not linearisable, when a node is slow: see the README's consistency notes).
  const env = { MEMCACHED_TIMEOUT: '5000ms' };
  const one = await app(t, [a, b], { ...env, INSTANCE: 'session1' });
  const two = await app(t, [a, b], { ...env, INSTANCE: 'session2' });
  const direct = new DirectReader();
  t.after(() => direct.close());
  for (let round = 0; round < 60; round++) {
    const s = (await one.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { round } } })).json<SessionBody>();
    // Both instances read version 1 and race to replace it; a touch from a third caller may also interleave.
    const [r1, r2] = await Promise.all([
      one.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { by: 'session1' } } }),
      two.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { by: 'session2' } } }),
      round % 3 === 0 ? two.inject({ method: 'POST', url: `/v1/sessions/${s.id}/touch` }) : Promise.resolve(undefined),
    ]);
    const codes = [r1.statusCode, r2.statusCode].sort();
    assert.deepEqual(codes, [200, 412], `round ${round}: ${r1.body} / ${r2.body}`);
    const winner = r1.statusCode === 200 ? 'session1' : 'session2';
    const loser = r1.statusCode === 200 ? r2 : r1;
    assert.equal(loser.json().error.code, 'SESSION_ERR_VERSION_MISMATCH');
    for (const svc of [one, two]) {
      const got = (await svc.inject({ url: `/v1/sessions/${s.id}` })).json<SessionBody>();
      assert.deepEqual([got.version, got.data.by], [2, winner], 'the winner is what both instances read');
    }
    for (const node of [a.address, b.address]) assert.equal((await direct.session(node, s.id))?.version, 2);
  }
});

test('a hung memcached (SIGSTOP) keeps read latency under the timeout plus one replica round trip', async (t) => {
  const [a, b] = await memcachedPair(t);
  const timeoutMs = 250;
  const svc = await app(t, [a, b], { MEMCACHED_TIMEOUT: `${timeoutMs}ms`, PROBE_INITIAL: '200ms' });
  t.after(() => a.resume());
  const sessions = await inBatches(Array.from({ length: 300 }, (_, i) => i), 16, async (i) =>
    (await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { i } } })).json<SessionBody>(),
  );
  const onA = sessions.filter((s) => svc.sessionService.ring.replicasOf(s.id)[0] === a.address);
  assert.ok(onA.length > 50);
  a.pause();
  const latencies = await inBatches([...onA, ...onA], 16, async (s) => {
    const t0 = performance.now();
    const res = await svc.inject({ url: `/v1/sessions/${s.id}` });
    const ms = performance.now() - t0;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-session-source'], b.address, 'served by the other replica');
    return ms;
  });
  const max = Math.max(...latencies);
  // A correctness bound (not a speed test): one timeout, then one round trip to the other replica,
  // with slack for a busy two-core machine. Without per-call timers this would be memjs's own timeout
  // (seconds) or forever.
  assert.ok(max < timeoutMs + 250, `max read latency ${max.toFixed(1)} ms with a ${timeoutMs} ms timeout`);
  const ready = await svc.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200, 'still ready with one node hung');
  const ring = (await svc.inject({ url: '/v1/ring' })).json<{ nodes: { address: string; state: string }[] }>();
  assert.equal(ring.nodes.find((n) => n.address === a.address)?.state, 'tko');
  // Writes stay available and bounded too.
  const w = await svc.inject({ method: 'PUT', url: `/v1/sessions/${onA[0]!.id}`, headers: { 'if-match': '1' }, payload: { data: { hung: true } } });
  assert.equal(w.statusCode, 200);
  a.resume();
  assert.ok(await waitFor(() => svc.sessionService.ring.upCount === 2), 'the node rejoins after SIGCONT');
});

test('adding a third memcached moves about a third of the sessions and loses none', async (t) => {
  const [a, b] = await memcachedPair(t);
  const c = await startMemcached();
  t.after(() => c.stop());
  const svc = await app(t, [a, b]);
  const direct = new DirectReader();
  t.after(() => direct.close());
  const ring = svc.sessionService.ring;
  const sessions = await inBatches(Array.from({ length: 3000 }, (_, i) => i), 32, async (i) =>
    (await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { i } } })).json<SessionBody>(),
  );
  const before = sessions.map((s) => ring.replicasOf(s.id));
  ring.addNode(c.address);
  const after = sessions.map((s) => ring.replicasOf(s.id));
  const moved = sessions.filter((_, i) => before[i]![0] !== after[i]![0]).length / sessions.length;
  assert.ok(moved >= 0.25 && moved <= 0.4, `owner moved for ${(moved * 100).toFixed(1)}% of sessions`);
  await inBatches(sessions, 32, async (s) => {
    const res = await svc.inject({ url: `/v1/sessions/${s.id}` });
    assert.equal(res.statusCode, 200, 'none lost');
    assert.equal(res.json<SessionBody>().data.i, s.data.i);
  });
  assert.ok(await ring.drainRepairs(30_000));
  const onC = sessions.filter((_, i) => after[i]!.includes(c.address));
  const present = await inBatches(onC, 64, (s) => direct.session(c.address, s.id));
  assert.equal(present.filter((p) => p?.version === 1).length, onC.length, 'the new node holds every session it is a replica of');
});
