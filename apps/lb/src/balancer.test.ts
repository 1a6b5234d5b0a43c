import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendServer } from './backend-server.js';
import { Balancer } from './balancer.js';

const mk = (name: string, weight = 1) => new BackendServer({ name, host: '127.0.0.1', port: 1000 + name.length, weight, maxconn: 0 }, `id-${name}`, 'static');

test('smooth weighted round robin: plain order, then proportions and interleaving', () => {
  const s = [mk('a'), mk('b'), mk('c')];
  const rr = new Balancer('roundrobin', () => s, 0);
  assert.deepEqual(Array.from({ length: 6 }, () => (rr.pick(undefined, null) as BackendServer).name), ['a', 'b', 'c', 'a', 'b', 'c']);
  const w = [mk('a', 5), mk('b', 1), mk('c', 1)];
  const wrr = new Balancer('roundrobin', () => w, 0);
  assert.deepEqual(Array.from({ length: 7 }, () => (wrr.pick(undefined, null) as BackendServer).name).join(''), 'aabacaa');
});

test('round robin skips excluded, non-ready and full servers; reports full', () => {
  const s = [mk('a'), mk('b')];
  s[0]!.adminState = 'drain';
  const rr = new Balancer('roundrobin', () => s, 0);
  assert.equal((rr.pick(undefined, null) as BackendServer).name, 'b');
  assert.equal(rr.pick(undefined, new Set([s[1]!])), null);
  s[1]!.maxconn = 1;
  s[1]!.inflight = 1;
  assert.equal(rr.pick(undefined, null), 'full');
});

test('least connections (P2C) prefers the less loaded of two draws', () => {
  const s = [mk('a'), mk('b')];
  s[0]!.inflight = 10;
  const lc = new Balancer('leastconn', () => s, 0);
  for (let i = 0; i < 50; i++) assert.equal((lc.pick(undefined, null) as BackendServer).name, 'b');
});

test('hash: stable per key, only the keys of a removed server move', () => {
  const s = [mk('a'), mk('b'), mk('c')];
  const h = new Balancer('hash', () => s, 0);
  const keys = Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  const before = keys.map((k) => (h.pick(k, null) as BackendServer).name);
  assert.deepEqual(keys.map((k) => (h.pick(k, null) as BackendServer).name), before);
  assert.equal(new Set(before).size, 3);
  s[2]!.adminState = 'maint';
  h.invalidate();
  const after = keys.map((k) => (h.pick(k, null) as BackendServer).name);
  keys.forEach((_, i) => {
    if (before[i] !== 'c') assert.equal(after[i], before[i]);
    else assert.notEqual(after[i], 'c');
  });
});

test('slow start ramps the weight of a server that just came up', () => {
  const s = [mk('a'), mk('b')];
  s[1]!.upSince = performance.now();
  const rr = new Balancer('roundrobin', () => s, 60_000);
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 1000; i++) counts[(rr.pick(undefined, null) as BackendServer).name]!++;
  assert.ok(counts.b! < 150, `b got ${counts.b} of 1000 during slow start`);
});
