// Load generator of the session benchmark (run pinned to its own core by run.ts, one scenario per
// process). Keeps `concurrency` requests in flight for `durationMs` after a warm-up and prints one JSON
// line: { ops, errors, seconds, latenciesMs: { p50, p90, p99, max } }.
//
// Scenarios:
//   http-get      GET /v1/sessions/:id of random pre-created sessions
//   http-replace  PUT /v1/sessions/:id with If-Match; each worker owns its sessions, so no conflicts
//   memjs-get     memjs get of random keys straight from memcached (the anchor)
//   memjs-replace memjs set of a value the size of a stored session record (the anchor)
import http from 'node:http';
import memjs from 'memjs';

export interface LoadSpec {
  scenario: 'http-get' | 'http-replace' | 'memjs-get' | 'memjs-replace';
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Service base URL (http scenarios). */
  url?: string;
  /** Session ids with their current versions (http scenarios). */
  sessions?: { id: string; version: number }[];
  /** memcached `host:port,host:port` (memjs scenarios). */
  servers?: string;
  /** Keys present in memcached (memjs scenarios). */
  keys?: string[];
  /** Body of a replace / value of a set. */
  payload: string;
}

export interface LoadResult {
  scenario: string;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  latenciesMs: { p50: number; p90: number; p99: number; max: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const spec = JSON.parse(await readStdin()) as LoadSpec;
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const mc = spec.servers ? memjs.Client.create(spec.servers, { retries: 1, timeout: 2, logger: { log() {} } }) : undefined;
  const sessions = spec.sessions ?? [];
  const keys = spec.keys ?? [];
  const payload = Buffer.from(spec.payload);

  const request = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${spec.url}${path}`, { method, agent, headers }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const op = async (worker: number, i: number): Promise<boolean> => {
    switch (spec.scenario) {
      case 'http-get': {
        const s = sessions[Math.floor(Math.random() * sessions.length)]!;
        return (await request('GET', `/v1/sessions/${s.id}`, {})).status === 200;
      }
      case 'http-replace': {
        // Worker w owns sessions w, w + concurrency, w + 2·concurrency, …
        const own = Math.floor(sessions.length / spec.concurrency);
        const s = sessions[worker + spec.concurrency * (i % own)]!;
        const res = await request('PUT', `/v1/sessions/${s.id}`, { 'content-type': 'application/json', 'if-match': String(s.version) }, payload);
        if (res.status !== 200) return false;
        s.version = (JSON.parse(res.body) as { version: number }).version;
        return true;
      }
      case 'memjs-get': {
        const { value } = await mc!.get(keys[Math.floor(Math.random() * keys.length)]!);
        return value !== null;
      }
      case 'memjs-replace':
        return mc!.set(keys[Math.floor(Math.random() * keys.length)]!, payload, { expires: 3600 });
    }
  };

  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await op(w, i);
      } catch {
        ok = false;
      }
      if (!measuring) continue;
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  const workers = Array.from({ length: spec.concurrency }, (_, w) => worker(w));
  await sleep(spec.warmupMs);
  measuring = true;
  const started = performance.now();
  await sleep(spec.durationMs);
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  mc?.close();

  const sorted = Float64Array.from(latencies).sort();
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const result: LoadResult = {
    scenario: spec.scenario,
    ops: latencies.length,
    errors,
    seconds: round(seconds),
    opsPerSecond: Math.round(latencies.length / seconds),
    latenciesMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.length ? sorted[sorted.length - 1]! : 0),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => (data += d));
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
