// Encode and reconstruct throughput of @scaleout/erasure per core, next to a memcpy floor measured in
// the same run (Buffer.copy of the same bytes). Run: npm run bench -w @scaleout/erasure
import { randomBytes } from 'node:crypto';
import { ReedSolomon } from '../src/index.js';

const SIZE = Number(process.env.BENCH_BYTES ?? 4 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const data = randomBytes(SIZE);

function mbps(fn: () => void): number {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return (SIZE * ROUNDS) / s / 1e6;
}

const dst = Buffer.allocUnsafe(SIZE);
const floor = mbps(() => data.copy(dst));
console.log(`object ${SIZE} bytes, ${ROUNDS} rounds; memcpy floor ${floor.toFixed(0)} MB/s`);
console.log('k+m     encode MB/s  (x memcpy)   rebuild m data shards MB/s  (x memcpy)');
for (const [k, m] of [[5, 1], [4, 2], [3, 3], [10, 4]] as const) {
  const rs = new ReedSolomon(k, m);
  const enc = mbps(() => rs.split(data));
  const shards = rs.split(data);
  const dec = mbps(() => {
    const s: (Uint8Array | null)[] = shards.slice();
    for (let i = 0; i < m; i++) s[i] = null;
    rs.reconstruct(s, { onlyData: true });
  });
  console.log(`${`${k}+${m}`.padEnd(7)} ${enc.toFixed(0).padStart(11)}  (${(enc / floor).toFixed(3)})   ${dec.toFixed(0).padStart(26)}  (${(dec / floor).toFixed(3)})`);
}
