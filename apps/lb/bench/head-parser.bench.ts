// Micro-benchmark: ns per request head parsed (ours vs Node's llhttp through http.Server would need
// sockets, so the anchor here is a bare Buffer.indexOf of the head end — the floor of any parser).
// Run: npx tsx apps/lb/bench/head-parser.bench.ts   Env: BENCH_OPS (default 200000), BENCH_ROUNDS (5).
import { performance } from 'node:perf_hooks';
import { parseRequestHead } from '../src/request-head.js';
import { parseResponseHead } from '../src/response-head.js';

const OPS = Number(process.env.BENCH_OPS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const limits = { maxHeaderBytes: 16384, maxHeaders: 100, maxUrlBytes: 8192 };
const wrkHead = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n');
const browserHead = Buffer.from(
  'GET /api/products?page=2&sort=price HTTP/1.1\r\nHost: www.scaleout.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n' +
    'Accept: application/json, text/plain, */*\r\nAccept-Language: en-GB,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://www.scaleout.test/shop\r\n' +
    'Cookie: SRV=zXusSlcIRYpg.tuAMfmWFKNQJ9mhfoTnc-znwx-pNQxOO3VbKFJG2mko; sid=abcdefghijklmnopqrstuv; theme=dark\r\nConnection: keep-alive\r\n\r\n',
);
const response = Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 09:30:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: keep-alive\r\n\r\nhello from b1\n');
const end = Buffer.from('\r\n\r\n');

const cases: Array<{ name: string; op: () => unknown; best: number }> = [
  { name: 'anchor: indexOf(CRLFCRLF) of the browser head', op: () => browserHead.indexOf(end), best: Infinity },
  { name: 'parseRequestHead (wrk head, 2 lines)', op: () => parseRequestHead(wrkHead, limits), best: Infinity },
  { name: 'parseRequestHead (browser head, 9 lines)', op: () => parseRequestHead(browserHead, limits), best: Infinity },
  { name: 'parseResponseHead (nginx response)', op: () => parseResponseHead(response, 65536, 'GET'), best: Infinity },
];
let sink: unknown;
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const t = performance.now();
    for (let i = 0; i < OPS; i++) sink = c.op();
    c.best = Math.min(c.best, ((performance.now() - t) * 1e6) / OPS);
  }
}
void sink;
for (const c of cases) console.log(`${c.name.padEnd(50)} ${c.best.toFixed(0).padStart(6)} ns/op`);
