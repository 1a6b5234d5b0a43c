// Micro-benchmark: ns per server pick for each algorithm over 3, 10 and 100 servers. Anchor: one
// Math.random() (the floor of a P2C draw).
// Run: npx tsx apps/lb/bench/balancer.bench.ts   Env: BENCH_OPS (default 500000), BENCH_ROUNDS (5).
import { performance } from 'node:perf_hooks';
import { BackendServer } from '../src/backend-server.js';
import { Balancer, type Algorithm } from '../src/balancer.js';

const OPS = Number(process.env.BENCH_OPS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const keys = Array.from({ length: 1024 }, (_, i) => `10.${i >> 8}.${i & 255}.7`);

const cases: Array<{ name: string; op: (i: number) => unknown; best: number }> = [{ name: 'anchor: Math.random()', op: () => Math.random(), best: Infinity }];
for (const n of [3, 10, 100]) {
  const servers = Array.from({ length: n }, (_, i) => new BackendServer({ name: `s${i}`, host: '127.0.0.1', port: 3000 + i, weight: 1 + (i % 3), maxconn: 0 }, `id${i}`, 'static'));
  servers.forEach((s, i) => (s.inflight = i % 5));
  for (const alg of ['roundrobin', 'leastconn', 'hash'] as Algorithm[]) {
    const b = new Balancer(alg, () => servers, 0);
    cases.push({ name: `${alg} (${n} servers)`, op: (i) => b.pick(keys[i & 1023], null), best: Infinity });
  }
  const slow = new Balancer('roundrobin', () => servers, 10_000);
  servers[0]!.upSince = performance.now();
  cases.push({ name: `roundrobin + slow start (${n} servers)`, op: () => slow.pick(undefined, null), best: Infinity });
}
let sink: unknown;
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const t = performance.now();
    for (let i = 0; i < OPS; i++) sink = c.op(i);
    c.best = Math.min(c.best, ((performance.now() - t) * 1e6) / OPS);
  }
}
void sink;
for (const c of cases) console.log(`${c.name.padEnd(42)} ${c.best.toFixed(0).padStart(6)} ns/op`);
