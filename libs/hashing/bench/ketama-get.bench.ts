// Micro-benchmark: ns/op of KetamaRing.get, rendezvous and jumpHash. Not part of the tests.
// Run: npx tsx libs/hashing/bench/ketama-get.bench.ts (from the repo root) or `npm run bench` here.
// Every case runs ROUNDS times, interleaved with the others, and the best round is reported, so
// a busy machine inflates the figures less. Anchor: a bare MD5 of the same keys (`crypto.hash`),
// the floor under a ketama lookup; ring lookups are also printed as a ratio to it.
// Env: BENCH_OPS (operations per round, default 200000), BENCH_ROUNDS (default 5).
import * as crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KetamaRing, jumpHash, rendezvous } from '../src/index.js';

const OPS = Number(process.env.BENCH_OPS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const KEYS = Array.from({ length: 4096 }, (_, i) => `session:${Math.imul(i, 0x9e3779b1) >>> 0}`);
const BIGINT_KEYS = KEYS.map((_, i) => BigInt.asUintN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n));
const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.4.${i + 1}:11211`);

interface Case {
  name: string;
  op: (i: number) => unknown;
  best: number;
  vsMd5?: boolean;
}
const cases: Case[] = [];
const add = (name: string, op: (i: number) => unknown, vsMd5 = false): void => {
  cases.push({ name, op, best: Infinity, vsMd5 });
};

const md5 =
  typeof crypto.hash === 'function'
    ? (k: string) => crypto.hash('md5', k, 'buffer')
    : (k: string) => crypto.createHash('md5').update(k).digest();
add('anchor: md5 of the key', (i) => md5(KEYS[i]));
add('anchor: createHash md5', (i) => crypto.createHash('md5').update(KEYS[i]).digest());
for (const n of [3, 10, 100]) {
  const ring = new KetamaRing(nodes(n));
  add(`KetamaRing.get (${n} nodes, ${ring.pointCount} points)`, (i) => ring.get(KEYS[i]), true);
}
const ring10 = new KetamaRing(nodes(10));
add('KetamaRing.getN(key, 3) (10 nodes)', (i) => ring10.getN(KEYS[i], 3), true);
for (const n of [3, 10, 100]) {
  const list = nodes(n);
  add(`rendezvous (${n} nodes)`, (i) => rendezvous(KEYS[i], list));
}
const list10 = nodes(10);
const weights10 = list10.map((_, i) => 1 + (i % 3));
add('rendezvous weighted (10 nodes)', (i) => rendezvous(KEYS[i], list10, weights10));
for (const n of [10, 1000]) {
  add(`jumpHash bigint key (${n} buckets)`, (i) => jumpHash(BIGINT_KEYS[i], n));
  add(`jumpHash string key (${n} buckets)`, (i) => jumpHash(KEYS[i], n));
}

let sink = 0;
for (const c of cases) for (let i = 0; i < 20_000; i++) if (c.op(i & 4095) === undefined) sink++; // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const start = performance.now();
    for (let i = 0; i < OPS; i++) if (c.op(i & 4095) === undefined) sink++;
    c.best = Math.min(c.best, ((performance.now() - start) * 1e6) / OPS);
  }
}

const anchor = cases[0].best;
console.log(`node ${process.version}, ${ROUNDS} rounds x ${OPS} ops, best round shown`);
for (const c of cases) {
  const ratio = c.vsMd5 ? `  (${(c.best / anchor).toFixed(2)} x md5)` : '';
  console.log(`${c.name.padEnd(42)} ${c.best.toFixed(1).padStart(9)} ns/op${ratio}`);
}
if (sink < 0) console.log(sink);
