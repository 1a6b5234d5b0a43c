// Micro-benchmark: the ring client in-process versus plain memjs, against two real memcached processes
// (no HTTP). Shows what replication, CAS and the per-call timers cost on top of memjs.
//   npx tsx libs/memcache/bench/ring.bench.ts [concurrency=32] [seconds=3]
import memjs from 'memjs';
import { startMemcached } from '@scaleout/testing';
import { MemcacheRing } from '../src/index.js';

const concurrency = Number(process.argv[2] ?? 32);
const seconds = Number(process.argv[3] ?? 3);

const a = await startMemcached();
const b = await startMemcached();
const ring = new MemcacheRing({ nodes: [a.address, b.address], timeoutMs: 2000 });
const plain = memjs.Client.create(`${a.address},${b.address}`, { logger: { log() {} } });
const value = 'x'.repeat(300);
const keys = Array.from({ length: 1000 }, (_, i) => `bench:${i}`);
for (const k of keys) {
  await ring.set(k, value, { ttl: 600 });
  await plain.set(`plain:${k}`, value, { expires: 600 });
}

async function measure(name: string, op: (key: string) => Promise<unknown>): Promise<void> {
  let n = 0;
  let stop = false;
  const lat: number[] = [];
  const worker = async () => {
    while (!stop) {
      const t0 = performance.now();
      await op(keys[Math.floor(Math.random() * keys.length)]!);
      lat.push(performance.now() - t0);
      n++;
    }
  };
  const t0 = performance.now();
  const ws = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(ws);
  const s = (performance.now() - t0) / 1000;
  lat.sort((x, y) => x - y);
  const p = (q: number) => lat[Math.floor(q * lat.length)]!.toFixed(3);
  console.log(`${name.padEnd(28)} ${String(Math.round(n / s)).padStart(7)} ops/s  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms`);
}

await measure('memjs get', (k) => plain.get(`plain:${k}`));
await measure('ring get (R=2)', (k) => ring.get(k));
await measure('memjs set', (k) => plain.set(`plain:${k}`, value, { expires: 600 }));
await measure('ring set (R=2, both acked)', (k) => ring.set(k, value, { ttl: 600 }));
await measure('ring gets + cas (replace)', async (k) => {
  const cur = await ring.gets(k);
  if (cur) await ring.cas(k, value, cur.token, { ttl: 600 });
});
plain.close();
await ring.close();
await a.stop();
await b.stop();
