// Service tests of the ring client against real memcached processes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { inBatches, startMemcached, startMemcachedPair } from '@scaleout/testing';
import { createRegistry } from '@scaleout/metrics';
import { MemcacheRing, MemcacheError, createRingMetrics, type MemcacheRingOptions } from '../src/index.js';
import { closeDirect, countOn, directGet, sleep, waitFor } from './direct.js';

after(() => closeDirect());

/** Fast health settings for tests (real defaults are seconds). */
const FAST: Partial<MemcacheRingOptions> = { timeoutMs: 1000, probeInitialMs: 100, probeMaxMs: 400, healthIntervalMs: 200 };

function ringOf(nodes: string[], extra: Partial<MemcacheRingOptions> = {}): MemcacheRing {
  return new MemcacheRing({ nodes, ...FAST, ...extra });
}

const pair = startMemcachedPair;

const isCode = (code: string) => (e: unknown) => e instanceof MemcacheError && e.code === code;

test('set, get, add, delete and multi-get keep every key on both replicas', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address]);
  t.after(() => ring.close());

  const w = await ring.set('user:1', 'alice', { ttl: 60 });
  assert.deepEqual(w.stored.sort(), [a.address, b.address].sort());
  assert.deepEqual(w.failed, []);
  assert.equal((await directGet(a.address, 'user:1'))?.value, 'alice');
  assert.equal((await directGet(b.address, 'user:1'))?.value, 'alice');

  const item = await ring.get('user:1');
  assert.equal(item?.value.toString(), 'alice');
  assert.equal(item?.node, ring.replicasOf('user:1')[0]);
  assert.ok(item!.expiresAt! > Date.now() + 55_000 && item!.expiresAt! <= Date.now() + 62_000);

  assert.equal(await ring.add('user:1', 'mallory'), false);
  assert.equal((await ring.get('user:1'))?.value.toString(), 'alice');
  assert.equal(await ring.add('user:2', 'bob'), true);
  assert.equal((await directGet(a.address, 'user:2'))?.value, 'bob');
  assert.equal((await directGet(b.address, 'user:2'))?.value, 'bob');

  const many = await ring.getMulti(['user:1', 'user:2', 'user:3', 'user:1']);
  assert.deepEqual([...many.keys()].sort(), ['user:1', 'user:2']);
  assert.equal(many.get('user:2')?.value.toString(), 'bob');

  assert.equal(await ring.delete('user:1'), true);
  assert.equal(await ring.delete('user:1'), false);
  assert.equal(await ring.get('user:1'), null);
  assert.equal(await directGet(a.address, 'user:1'), null);
  assert.equal(await directGet(b.address, 'user:1'), null);

  assert.equal(await ring.touch('user:2', { ttl: 100 }), true);
  assert.equal(await ring.touch('user:404', { ttl: 100 }), false);
});

test('bad keys, oversized values and bad TTLs are refused before any I/O', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address], { maxValueBytes: 1000, keyPrefix: 'p:' });
  t.after(() => ring.close());
  await assert.rejects(ring.get(''), isCode('MEMCACHE_ERR_BAD_KEY'));
  await assert.rejects(ring.get('has space'), isCode('MEMCACHE_ERR_BAD_KEY'));
  await assert.rejects(ring.get('ctl\n'), isCode('MEMCACHE_ERR_BAD_KEY'));
  await assert.rejects(ring.get('x'.repeat(249)), isCode('MEMCACHE_ERR_BAD_KEY'), '249 + 2 prefix bytes > 250');
  assert.equal(await ring.get('x'.repeat(248)), null);
  await assert.rejects(ring.set('big', Buffer.alloc(1001)), isCode('MEMCACHE_ERR_TOO_LARGE'));
  await assert.rejects(ring.set('k', 'v', { ttl: -5 }), isCode('MEMCACHE_ERR_BAD_TTL'));
  await ring.set('k', 'v');
  assert.equal((await directGet(a.address, 'p:k'))?.value, 'v', 'the prefix is part of the stored key');
  assert.throws(() => new MemcacheRing({ nodes: [] }), isCode('MEMCACHE_ERR_BAD_OPTION'));
  assert.throws(() => new MemcacheRing({ nodes: ['nope'] }), isCode('MEMCACHE_ERR_BAD_OPTION'));
  assert.throws(() => new MemcacheRing({ nodes: [a.address], replicas: 0 }), isCode('MEMCACHE_ERR_BAD_OPTION'));
});

test('memcached rejects a value over its item size; the ring reports TOO_LARGE and the node stays up', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address], { maxValueBytes: 4 * 1024 * 1024 });
  t.after(() => ring.close());
  await assert.rejects(ring.set('huge', Buffer.alloc(2 * 1024 * 1024, 1)), isCode('MEMCACHE_ERR_TOO_LARGE'));
  assert.equal(ring.upCount, 2);
});

test('CAS: of two writers holding the same token exactly one wins, on every replica', async (t) => {
  const [a, b] = await pair(t);
  const r1 = ringOf([a.address, b.address]);
  const r2 = ringOf([a.address, b.address]);
  t.after(() => Promise.all([r1.close(), r2.close()]));
  await r1.set('cart', 'v1');
  for (let round = 0; round < 20; round++) {
    const [g1, g2] = await Promise.all([r1.gets('cart'), r2.gets('cart')]);
    assert.ok(g1 && g2);
    const results = await Promise.all([r1.cas('cart', `one-${round}`, g1.token), r2.cas('cart', `two-${round}`, g2.token)]);
    assert.equal(results.filter((r) => r === 'stored').length, 1, `round ${round}: ${results.join(',')}`);
    assert.equal(results.filter((r) => r === 'exists').length, 1);
    const winner = results[0] === 'stored' ? `one-${round}` : `two-${round}`;
    assert.equal((await directGet(a.address, 'cart'))?.value, winner);
    assert.equal((await directGet(b.address, 'cart'))?.value, winner);
  }
  const g = await r1.gets('cart');
  await r1.delete('cart');
  assert.equal(await r1.cas('cart', 'x', g!.token), 'not_found');
  await assert.rejects(r1.cas('other', 'x', g!.token), isCode('MEMCACHE_ERR_BAD_TOKEN'));

  await r1.set('doc', 'd1');
  const d1 = await r1.gets('doc');
  const d2 = await r2.gets('doc');
  assert.equal(await r2.cas('doc', 'd2', d2!.token), 'stored');
  assert.equal(await r1.deleteCas('doc', d1!.token), 'exists', 'a stale token cannot delete');
  const d3 = await r1.gets('doc');
  assert.equal(await r1.deleteCas('doc', d3!.token), 'deleted');
  assert.equal(await directGet(a.address, 'doc'), null);
  assert.equal(await directGet(b.address, 'doc'), null);
});

test('TTL: short TTLs expire, and a TTL over 30 days is sent as an absolute time and kept', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address]);
  t.after(() => ring.close());
  const day = 86_400;
  await ring.set('short', 's', { ttl: 2 });
  await ring.set('month', 'm', { ttl: 30 * day });
  await ring.set('forty', 'f', { ttl: 40 * day });
  await ring.set('abs', 'x', { expiresAt: Date.now() + 400 * day * 1000 });
  for (const node of [a.address, b.address]) {
    assert.equal((await directGet(node, 'short'))?.value, 's');
    for (const [key, days] of [['month', 30], ['forty', 40], ['abs', 400]] as const) {
      const got = await directGet(node, key);
      assert.ok(got, `${key} is stored on ${node} (a relative exptime over 30 days would expire at once)`);
      const expected = Date.now() / 1000 + days * day;
      assert.ok(Math.abs(got.flags - expected) < 5, `${key}: recorded expiry ${got.flags} ≈ ${Math.round(expected)}`);
    }
  }
  const forty = await ring.get('forty');
  assert.ok(forty!.expiresAt! > Date.now() + 39 * day * 1000);
  await sleep(3100);
  assert.equal(await ring.get('short'), null);
  assert.equal(await directGet(a.address, 'short'), null);
  assert.equal(await directGet(b.address, 'short'), null);
  assert.equal((await ring.get('forty'))?.value.toString(), 'f');
});

test('kill one of two nodes: every key stays readable and writable; restarted empty, reads repair it', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address]);
  t.after(() => ring.close());
  const expected = new Map<string, string>();
  const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
  await inBatches(keys, 25, (k) => ring.set(k, `v1-${k}`, { ttl: 600 }));
  for (const k of keys) expected.set(k, `v1-${k}`);

  a.kill('SIGKILL');
  await a.daemon.exited;
  const during = await inBatches(keys, 25, (k) => ring.get(k));
  during.forEach((g, j) => assert.equal(g?.value.toString(), `v1-${keys[j]}`));
  assert.equal(ring.status().find((s) => s.address === a.address)?.state, 'tko');
  // Writes while a is down: stored on b, a's copies queued for repair.
  const rewritten = keys.filter((_, i) => i % 4 === 0);
  const results = await inBatches(rewritten, 25, (k) => ring.set(k, `v2-${k}`, { ttl: 600 }));
  for (const r of results) assert.deepEqual(r.stored, [b.address]);
  for (const k of rewritten) expected.set(k, `v2-${k}`);
  assert.ok(ring.repairQueueLength > 0);

  await a.start(); // empty, same port
  assert.ok(await waitFor(() => ring.status().find((s) => s.address === a.address)?.state === 'up'), 'a rejoins');
  assert.ok((await countOn(a.address, expected)) <= rewritten.length, 'a came back empty (only queued repairs so far)');
  const multi = await ring.getMulti(keys.slice(0, 300));
  assert.equal(multi.size, 300);
  const pass = await inBatches(keys, 25, (k) => ring.get(k));
  pass.forEach((g, j) => assert.equal(g?.value.toString(), expected.get(keys[j]!)));
  assert.ok(await ring.drainRepairs(20_000), 'repairs drain');
  assert.equal(await countOn(a.address, expected), keys.length, 'a holds every key again');
  assert.equal(await countOn(b.address, expected), keys.length, 'b holds every key');
});

test('writes and deletes missed by a node that was down are replayed from the repair queue', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address], { probeInitialMs: 60_000, probeMaxMs: 60_000, healthIntervalMs: 0, warmupMs: 0, repairConcurrency: 1 });
  t.after(() => ring.close());
  const keys = Array.from({ length: 200 }, (_, i) => `q${i}`);
  await inBatches(keys, 25, (k) => ring.set(k, 'old'));
  ring.markDown(a.address, 'test');
  await inBatches(keys.slice(0, 100), 25, (k) => ring.set(k, 'new'));
  await inBatches(keys.slice(100), 25, (k) => ring.delete(k));
  assert.equal(ring.repairQueueLength, 200);
  assert.equal((await directGet(a.address, 'q0'))?.value, 'old', 'a still has the stale copy');
  await ring.checkNow(); // probe: a answers and rejoins
  assert.equal(ring.status().find((s) => s.address === a.address)?.state, 'up');
  // While its repairs are pending, a (stale) answers no read, even for keys it owns.
  const early = await Promise.all(keys.map((k) => ring.get(k)));
  assert.ok(ring.repairQueueLength > 0, 'the check ran while repairs were pending');
  early.forEach((g, i) => assert.equal(g?.value.toString(), i < 100 ? 'new' : undefined, keys[i]));
  assert.ok(await ring.drainRepairs());
  assert.equal(ring.repairQueueLength, 0);
  for (const k of keys.slice(0, 100)) assert.equal((await directGet(a.address, k))?.value, 'new', k);
  for (const k of keys.slice(100)) assert.equal(await directGet(a.address, k), null, `${k} deleted on a`);
});

test('a hung node (SIGSTOP) costs at most one timeout per read, then its keys are read from the other replica', async (t) => {
  const [a, b] = await pair(t);
  const timeoutMs = 250;
  const ring = ringOf([a.address, b.address], { timeoutMs, probeInitialMs: 200 });
  t.after(async () => {
    a.resume();
    await ring.close();
  });
  const keys = Array.from({ length: 400 }, (_, i) => `h${i}`);
  await inBatches(keys, 20, (k) => ring.set(k, k));
  const onA = keys.filter((k) => ring.replicasOf(k)[0] === a.address);
  assert.ok(onA.length > 100);
  a.pause();
  let max = 0;
  // Concurrent reads while the node is hung, before and after it is marked TKO.
  for (let i = 0; i < onA.length; i += 20) {
    const lat = await Promise.all(
      onA.slice(i, i + 20).map(async (k) => {
        const t0 = performance.now();
        const got = await ring.get(k);
        assert.equal(got?.value.toString(), k);
        assert.equal(got?.node, b.address);
        return performance.now() - t0;
      }),
    );
    max = Math.max(max, ...lat);
  }
  // Correctness bound, not a speed test: one timeout plus one replica round trip (with slack for a busy machine).
  assert.ok(max < timeoutMs + 200, `max read latency ${max.toFixed(1)} ms >= ${timeoutMs + 200} ms`);
  assert.equal(ring.status().find((s) => s.address === a.address)?.state, 'tko');
  // Writes stay bounded too and land on b.
  const t0 = performance.now();
  const w = await ring.set(onA[0]!, 'while-hung');
  assert.ok(performance.now() - t0 < timeoutMs + 200);
  assert.deepEqual(w.stored, [b.address]);
  a.resume();
  assert.ok(await waitFor(() => ring.status().find((s) => s.address === a.address)?.state === 'up'), 'rejoins after SIGCONT');
  assert.ok(await ring.drainRepairs());
  assert.equal((await directGet(a.address, onA[0]!))?.value, 'while-hung');
});

/** A fake memcached that answers garbage: even connections get a well-framed response with a bogus opcode, odd ones random bytes. */
async function garbageServer(t: { after(fn: () => unknown): void }): Promise<string> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const mode = n++ % 2;
    sock.on('data', (buf) => {
      if (mode === 0 && buf.length >= 24) {
        const res = Buffer.alloc(24);
        res.writeUInt8(0x81, 0);
        res.writeUInt8(0x7e, 1); // no such opcode
        buf.copy(res, 12, 12, 16); // same opaque
        sock.write(res);
      } else {
        sock.write(Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256))));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return `127.0.0.1:${addr.port}`;
}

test('a node answering garbage is marked down; the other replica serves and nothing crashes', async (t) => {
  const a = await startMemcached();
  t.after(() => a.stop());
  const bad = await garbageServer(t);
  const timeoutMs = 200;
  const ring = ringOf([a.address, bad], { timeoutMs });
  t.after(() => ring.close());
  const keys = Array.from({ length: 200 }, (_, i) => `g${i}`);
  for (const k of keys) {
    const w = await ring.set(k, k);
    assert.ok(w.stored.includes(a.address));
  }
  let max = 0;
  for (const k of keys) {
    const t0 = performance.now();
    assert.equal((await ring.get(k))?.value.toString(), k);
    max = Math.max(max, performance.now() - t0);
  }
  assert.ok(max < timeoutMs + 200, `max ${max.toFixed(1)} ms`);
  const multi = await ring.getMulti(keys);
  assert.equal(multi.size, keys.length);
  const st = ring.status().find((s) => s.address === bad)!;
  assert.ok(st.tkoCount >= 1, 'the garbage node went TKO at least once');
  assert.match(st.lastError ?? '', /malformed|timed out|unexpected/);
});

test('all replicas down: calls fail fast with MEMCACHE_ERR_UNAVAILABLE', async (t) => {
  const [a, b] = await pair(t);
  const ring = ringOf([a.address, b.address]);
  t.after(() => ring.close());
  await ring.set('x', '1');
  a.kill('SIGKILL');
  b.kill('SIGKILL');
  await Promise.all([a.daemon.exited, b.daemon.exited]);
  await assert.rejects(ring.get('x'), isCode('MEMCACHE_ERR_UNAVAILABLE'));
  await assert.rejects(ring.set('x', '2'), isCode('MEMCACHE_ERR_UNAVAILABLE'));
  assert.equal(ring.upCount, 0);
  const t0 = performance.now();
  await assert.rejects(ring.get('x'), isCode('MEMCACHE_ERR_UNAVAILABLE'));
  assert.ok(performance.now() - t0 < 50, 'TKO nodes are not even tried');
  // Read-through fails open: the loader still answers.
  const r = await ring.getOrLoad('x', async () => 'from-db');
  assert.deepEqual([r.source, r.value.toString()], ['loader', 'from-db']);
});

test('adding a third node moves about a third of the keys and loses none', async (t) => {
  const [a, b] = await pair(t);
  const c = await startMemcached();
  t.after(() => c.stop());
  const ring = ringOf([a.address, b.address]);
  t.after(() => ring.close());
  const keys = Array.from({ length: 3000 }, (_, i) => `session:${i}`);
  const expected = new Map(keys.map((k) => [k, `val-${k}`]));
  await inBatches(keys, 25, (k) => ring.set(k, expected.get(k)!));
  const before = new Map(keys.map((k) => [k, ring.replicasOf(k)]));

  ring.addNode(c.address);
  const afterAdd = new Map(keys.map((k) => [k, ring.replicasOf(k)]));
  const ownerMoved = keys.filter((k) => before.get(k)![0] !== afterAdd.get(k)![0]).length / keys.length;
  let copiesMoved = 0;
  for (const k of keys) copiesMoved += afterAdd.get(k)!.filter((n) => !before.get(k)!.includes(n)).length;
  const copyFraction = copiesMoved / (keys.length * 2);
  assert.ok(ownerMoved >= 0.25 && ownerMoved <= 0.4, `owner moved for ${ownerMoved}`);
  assert.ok(copyFraction >= 0.25 && copyFraction <= 0.4, `copies moved ${copyFraction}`);
  for (const k of keys) assert.ok(afterAdd.get(k)!.some((n) => before.get(k)!.includes(n)), `${k} keeps one old replica`);

  for (let i = 0; i < keys.length; i += 200) {
    const got = await ring.getMulti(keys.slice(i, i + 200));
    assert.equal(got.size, Math.min(200, keys.length - i), 'none lost');
    for (const [k, item] of got) assert.equal(item.value.toString(), expected.get(k));
  }
  assert.ok(await ring.drainRepairs());
  const onC = new Map(keys.filter((k) => afterAdd.get(k)!.includes(c.address)).map((k) => [k, expected.get(k)!]));
  assert.equal(await countOn(c.address, onC), onC.size, 'the new node holds every key it is a replica of');
});

test('getOrLoad: concurrent callers in two processes load a missing value once', async (t) => {
  const [a, b] = await pair(t);
  const r1 = ringOf([a.address, b.address]);
  const r2 = ringOf([a.address, b.address]);
  t.after(() => Promise.all([r1.close(), r2.close()]));
  let loads = 0;
  const loader = async () => {
    loads++;
    await sleep(200);
    return 'expensive';
  };
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? r1 : r2).getOrLoad('catalogue', loader, { ttl: 60 })),
  );
  assert.equal(loads, 1);
  for (const r of results) assert.equal(r.value.toString(), 'expensive');
  assert.ok(results.some((r) => r.source === 'peer'), 'the other process waited for the winner');
  assert.equal((await r1.getOrLoad('catalogue', loader)).source, 'cache');
  assert.equal(loads, 1);
  assert.equal(await r1.get('catalogue:lock'), null, 'the lock is released');

  const lock = await r1.lock('job');
  assert.ok(lock);
  assert.equal(await r2.lock('job'), null);
  assert.equal(await lock.release(), true);
  assert.equal(await lock.release(), false);
  assert.ok(await r2.lock('job'));
});

test('metrics: per-node calls, health and repairs are exported', async (t) => {
  const [a, b] = await pair(t);
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createRingMetrics({ registry, service: 'test' });
  const ring = ringOf([a.address, b.address], { observer: metrics.observer });
  metrics.bind(ring);
  t.after(() => ring.close());
  await ring.set('m', '1');
  await ring.get('m');
  await ring.get('absent');
  a.kill('SIGKILL');
  await a.daemon.exited;
  await ring.set('m', '2');
  const text = await registry.metrics();
  assert.match(text, /scaleout_test_memcached_requests_total\{node="[^"]+",op="get",result="ok"\} 1/);
  assert.match(text, new RegExp(`scaleout_test_memcached_requests_total\\{node="${a.address}",op="set",result="connection_error"\\} 1`));
  assert.match(text, new RegExp(`scaleout_test_memcached_node_up\\{node="${a.address}"\\} 0`));
  assert.match(text, new RegExp(`scaleout_test_memcached_node_up\\{node="${b.address}"\\} 1`));
  assert.match(text, new RegExp(`scaleout_test_memcached_node_tko_total\\{node="${a.address}"\\} 1`));
  assert.match(text, /scaleout_test_memcached_repairs_total\{kind="queued",result="enqueued"\} [1-9]/);
  assert.match(text, /scaleout_test_memcached_repair_queue_length [1-9]/);
  assert.match(text, /scaleout_test_memcached_request_duration_seconds_bucket/);
});

test('removing a node: reads copy the keys it held onto their new replicas', async (t) => {
  const [a, b] = await pair(t);
  const c = await startMemcached();
  t.after(() => c.stop());
  const ring = ringOf([a.address, b.address, c.address]);
  t.after(() => ring.close());
  const keys = Array.from({ length: 600 }, (_, i) => `r${i}`);
  await inBatches(keys, 25, (k) => ring.set(k, `v-${k}`));
  assert.equal(ring.removeNode(c.address), true);
  assert.equal(ring.removeNode(c.address), false);
  assert.ok(ring.status().every((s) => s.warming), 'the remaining nodes warm up');
  const got = await inBatches(keys, 25, (k) => ring.get(k));
  got.forEach((g, i) => assert.equal(g?.value.toString(), `v-${keys[i]}`));
  assert.ok(await ring.drainRepairs());
  const expected = new Map(keys.map((k) => [k, `v-${k}`]));
  assert.equal(await countOn(a.address, expected), keys.length);
  assert.equal(await countOn(b.address, expected), keys.length);
  assert.throws(() => {
    ring.removeNode(a.address);
    ring.removeNode(b.address);
  }, isCode('MEMCACHE_ERR_BAD_OPTION'));
});
