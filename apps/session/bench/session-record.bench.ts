// Micro-benchmark of the per-request hot functions of the session service (no I/O):
// id shape check, If-Match parsing, record encode/decode.
//   npx tsx apps/session/bench/session-record.bench.ts
import { isRandomId, randomId } from '@scaleout/hashing';
import { parseIfMatch } from '../src/session-routes.js';
import { decodeRecord, encodeRecord, toView, type SessionRecord } from '../src/session-record.js';

const record: SessionRecord = {
  id: randomId(),
  version: 7,
  data: { userId: 'u-1234567', cart: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: 1 + (i % 3) })) },
  createdAt: Date.now(),
  idleExpiresAt: Date.now() + 1_800_000,
  absoluteExpiresAt: Date.now() + 43_200_000,
};
const encoded = Buffer.from(encodeRecord(record));
const ids = Array.from({ length: 1024 }, () => randomId());

let sink = 0; // keeps results alive so the work is not optimised away

function bench(name: string, fn: (i: number) => unknown, iterations = 200_000): void {
  for (let i = 0; i < 10_000; i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (fn(i)) sink++;
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  console.log(`${name.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/op`);
}

bench('isRandomId (valid id)', (i) => isRandomId(ids[i & 1023]));
bench('isRandomId (malformed)', () => isRandomId('../../etc/passwd'));
bench('parseIfMatch("\\"7\\"")', () => parseIfMatch('"7"'));
bench(`encodeRecord (${encoded.length} B)`, () => encodeRecord(record));
bench('decodeRecord', () => decodeRecord(encoded));
bench('toView', () => toView(record));
bench('randomId (CSPRNG, 16 B)', () => randomId(), 50_000);
console.log(`(checksum ${sink})`);
