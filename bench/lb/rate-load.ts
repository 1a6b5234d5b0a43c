// A constant-rate HTTP/1.1 load generator (wrk2-style, for when wrk2 is not installed): keep-alive
// connections, requests scheduled at a fixed rate, latency measured from the *scheduled* send time so
// that a stalled server is not hidden (coordinated omission). Prints one JSON line.
// Usage: tsx bench/lb/rate-load.ts <host> <port> <rate/s> <seconds> <connections> [path]
import net from 'node:net';

const [host = '127.0.0.1', portS = '8080', rateS = '1000', secS = '10', connS = '50', path = '/'] = process.argv.slice(2);
const port = Number(portS);
const rate = Number(rateS);
const durationMs = Number(secS) * 1000;
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);

interface Conn {
  socket: net.Socket;
  busy: boolean;
  scheduled: number;
  buf: Buffer | null;
}

const latencies: number[] = [];
const lags: number[] = [];
let errors = 0;
let sent = 0;
const backlog: number[] = [];
const conns: Conn[] = [];
const free: Conn[] = [];

function onResponse(c: Conn): void {
  latencies.push(performance.now() - c.scheduled);
  c.busy = false;
  const next = backlog.shift();
  if (next !== undefined) send(c, next);
  else free.push(c);
}

function send(c: Conn, scheduled: number): void {
  c.busy = true;
  c.scheduled = scheduled;
  sent++;
  c.socket.write(request);
}

function parse(c: Conn): void {
  // Minimal: responses with Content-Length only (the benchmark backends send it).
  for (;;) {
    const b = c.buf;
    if (b === null) return;
    const end = b.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = b.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    const total = end + 4 + len;
    if (b.length < total) return;
    c.buf = b.length === total ? null : b.subarray(total);
    if (!head.startsWith('HTTP/1.1 2')) errors++;
    onResponse(c);
  }
}

async function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true }, () => resolve(c));
    const c: Conn = { socket, busy: false, scheduled: 0, buf: null };
    socket.on('data', (d: Buffer) => {
      c.buf = c.buf === null ? d : Buffer.concat([c.buf, d]);
      parse(c);
    });
    socket.on('error', (e) => {
      errors++;
      reject(e);
    });
  });
}

for (let i = 0; i < Number(connS); i++) {
  const c = await open();
  conns.push(c);
  free.push(c);
}

const start = performance.now();
let due = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    const elapsed = now - start;
    const target = Math.min(Math.floor((Math.min(elapsed, durationMs) * rate) / 1000), Math.floor((durationMs * rate) / 1000));
    while (due < target) {
      const scheduled = start + (due * 1000) / rate;
      due++;
      const c = free.pop();
      if (c) {
        // how late the generator itself is (a connection was free): its own saturation, not the server's
        lags.push(now - scheduled);
        send(c, scheduled);
      } else backlog.push(scheduled);
    }
    if (elapsed < durationMs + 2000 && (elapsed < durationMs || latencies.length < due)) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});

latencies.sort((a, b) => a - b);
lags.sort((a, b) => a - b);
const quantile = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN);
const q = (p: number) => quantile(latencies, p);
const out = {
  rate,
  seconds: durationMs / 1000,
  scheduled: due,
  sent,
  completed: latencies.length,
  errors,
  achievedRps: Math.round((latencies.length / durationMs) * 1000),
  p50Ms: q(0.5),
  p90Ms: q(0.9),
  p99Ms: q(0.99),
  maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
  /** p99 of how late requests left while a connection was free: above a few ms the generator is saturated. */
  generatorLagP99Ms: quantile(lags, 0.99),
};
process.stdout.write(JSON.stringify(out) + '\n');
for (const c of conns) c.socket.destroy();
