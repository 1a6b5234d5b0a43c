// Session service benchmark: get and replace through the service (HTTP → session service → memcached
// ring, R=2) versus memjs straight to memcached (the anchor), at a fixed concurrency. The service and
// both memcached processes are pinned to core 0, the load generators to core 1.
//
//   npx tsx bench/session/run.ts [--duration 5s] [--warmup 1s] [--concurrency 32] [--sessions 2000] [--no-wrk]
//
// Prints a table and the service/anchor ratios and writes JSON to bench/results/session-<timestamp>.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import memjs from 'memjs';
import type { LoadResult, LoadSpec } from './load.js';
import { freePort } from '@scaleout/infra';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
function ms(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v);
  if (!m) throw new Error(`bad duration ${v}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
}

const durationMs = ms(arg('duration', '5s'));
const warmupMs = ms(arg('warmup', '1s'));
const concurrency = Number(arg('concurrency', '32'));
const sessionCount = Number(arg('sessions', '2000'));
const useWrk = !process.argv.includes('--no-wrk');

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
// Hard bound on the whole run.
setTimeout(() => {
  console.error('bench: took too long, giving up');
  process.exit(1);
}, 5 * (durationMs + warmupMs) + 180_000).unref();

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
const pinning = have('taskset');
/** Command line pinned to `core` with taskset (when available). */
function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return pinning ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

async function waitTcp(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await sleep(50);
  }
}

function start(core: number, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const [c, a] = pinned(core, cmd, args);
  const child = spawn(c, a, { cwd: repoRoot, env: env ?? process.env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Runs one load scenario in a child pinned to core 1. */
function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const [cmd, args] = pinned(1, process.execPath, ['--import', 'tsx', join(here, 'load.ts')]);
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdin!.end(JSON.stringify(spec));
  return new Promise((res, rej) =>
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return rej(new Error(`load generator (${spec.scenario}) exited ${code}`));
      res(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    }),
  );
}

/** GET through the service with wrk (a C load generator) as a cross-check of the Node generator. */
function runWrk(url: string, ids: string[]): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-session-'));
  tempDirs.push(dir);
  const script = join(dir, 'get.lua');
  writeFileSync(
    script,
    [
      `local ids = { ${ids.map((id) => `"${id}"`).join(', ')} }`,
      'request = function() return wrk.format("GET", "/v1/sessions/" .. ids[math.random(#ids)]) end',
      'done = function(s, latency, r)',
      '  local e = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout',
      '  io.write(string.format("RESULT %d %d %d %f %f %f %f\\n", s.requests, s.duration, e,',
      '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
      'end',
    ].join('\n'),
  );
  const seconds = Math.max(1, Math.round(durationMs / 1000));
  const [cmd, args] = pinned(1, 'wrk', ['-t1', `-c${concurrency}`, `-d${seconds}s`, '-s', script, url]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((res, rej) =>
    child.once('exit', (code) => {
      children.delete(child);
      const m = /RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
      if (code !== 0 || !m) return rej(new Error(`wrk failed (${code}): ${out}`));
      const [requests, durUs, errors, p50, p90, p99, max] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
      const secs = durUs / 1e6;
      res({
        scenario: 'wrk-http-get',
        ops: requests - errors,
        errors,
        seconds: secs,
        opsPerSecond: Math.round((requests - errors) / secs),
        latenciesMs: { p50: p50 / 1000, p90: p90 / 1000, p99: p99 / 1000, max: max / 1000 },
      });
    }),
  );
}

async function main(): Promise<void> {
  if (!have('memcached')) throw new Error('memcached is not installed (Debian package: memcached)');
  if (!pinning) console.warn('bench: taskset not found (util-linux); running unpinned');

  // Two memcached nodes (the stack's R=2 ring), one worker thread each, on core 0.
  const mcPorts = [await freePort(), await freePort()];
  const root = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  for (const port of mcPorts) start(0, 'memcached', ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-t', '1', ...root]);
  await Promise.all(mcPorts.map((p) => waitTcp(p)));
  const servers = mcPorts.map((p) => `127.0.0.1:${p}`).join(',');

  // The session service on core 0 too.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = start(0, process.execPath, ['--import', 'tsx', 'apps/session/src/server.ts'], {
    ...process.env,
    SESSION_HOST: '127.0.0.1',
    SESSION_PORT: String(port),
    SESSION_MEMCACHED: servers,
    SESSION_INSTANCE: 'bench',
    SESSION_LOG_LEVEL: 'warn',
  });
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error('the session service did not become ready');
    await sleep(100);
  }

  // Sessions with a realistic small cart, created through the service.
  const data = { userId: 'u-1234567', cart: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: 1 + (i % 3) })), flash: null };
  const payload = JSON.stringify({ data });
  const sessions: { id: string; version: number }[] = [];
  for (let i = 0; i < sessionCount; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, sessionCount - i) }, () =>
        fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload }).then(
          (r) => r.json() as Promise<{ id: string; version: number }>,
        ),
      ),
    );
    for (const s of batch) sessions.push({ id: s.id, version: s.version });
  }
  // The anchor's keys hold a value the size of a stored session record.
  const record = JSON.stringify({ id: sessions[0]!.id, version: 1, data, createdAt: Date.now(), idleExpiresAt: Date.now(), absoluteExpiresAt: Date.now() });
  const keys = Array.from({ length: sessionCount }, (_, i) => `bench:${i}`);
  const mc = memjs.Client.create(servers, { logger: { log() {} } });
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => mc.set(k, record, { expires: 3600 })));
  mc.close();

  const base = { concurrency, durationMs, warmupMs, payload };
  const results: LoadResult[] = [];
  const run = async (spec: LoadSpec) => {
    process.stderr.write(`bench: ${spec.scenario} (${concurrency} in flight, ${durationMs / 1000}s)…\n`);
    results.push(await runLoad(spec));
  };
  await run({ ...base, scenario: 'memjs-get', servers, keys });
  await run({ ...base, scenario: 'http-get', url, sessions });
  await run({ ...base, scenario: 'memjs-replace', servers, keys, payload: record });
  await run({ ...base, scenario: 'http-replace', url, sessions });
  if (useWrk && have('wrk')) {
    process.stderr.write('bench: wrk-http-get…\n');
    results.push(await runWrk(url, sessions.slice(0, 500).map((s) => s.id)));
  }
  await stop(service);

  const by = (s: string) => results.find((r) => r.scenario === s);
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
  const ratios = {
    getThroughput: ratio(by('http-get')?.opsPerSecond, by('memjs-get')?.opsPerSecond),
    getP50: ratio(by('http-get')?.latenciesMs.p50, by('memjs-get')?.latenciesMs.p50),
    getP99: ratio(by('http-get')?.latenciesMs.p99, by('memjs-get')?.latenciesMs.p99),
    replaceThroughput: ratio(by('http-replace')?.opsPerSecond, by('memjs-replace')?.opsPerSecond),
    replaceP50: ratio(by('http-replace')?.latenciesMs.p50, by('memjs-replace')?.latenciesMs.p50),
    replaceP99: ratio(by('http-replace')?.latenciesMs.p99, by('memjs-replace')?.latenciesMs.p99),
    wrkGetThroughput: ratio(by('wrk-http-get')?.opsPerSecond, by('memjs-get')?.opsPerSecond),
  };

  console.log(`\nsession benchmark: concurrency ${concurrency}, ${durationMs / 1000}s per scenario, service + memcached on core 0, load on core 1${pinning ? '' : ' (UNPINNED)'}`);
  console.log('scenario          ops/s     p50 ms   p90 ms   p99 ms   max ms  errors');
  for (const r of results) {
    const l = r.latenciesMs;
    console.log(
      `${r.scenario.padEnd(16)} ${String(r.opsPerSecond).padStart(7)}  ${l.p50.toFixed(3).padStart(7)}  ${l.p90.toFixed(3).padStart(7)}  ${l.p99.toFixed(3).padStart(7)}  ${l.max.toFixed(1).padStart(7)}  ${String(r.errors).padStart(6)}`,
    );
  }
  console.log('\nratios (service / memjs straight to memcached):');
  console.log(`  get:     throughput ${ratios.getThroughput}  p50 ${ratios.getP50}  p99 ${ratios.getP99}`);
  console.log(`  replace: throughput ${ratios.replaceThroughput}  p50 ${ratios.replaceP50}  p99 ${ratios.replaceP99}`);
  if (ratios.wrkGetThroughput !== null) console.log(`  get (wrk as the HTTP client): throughput ${ratios.wrkGetThroughput}`);

  const out = join(repoRoot, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `session-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: 'session',
        date: new Date().toISOString(),
        machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadavg: loadavg(), node: process.version, pinned: pinning },
        settings: { concurrency, durationMs, warmupMs, sessions: sessionCount, replicas: 2, memcachedThreads: 1 },
        notes: 'replace through the service = gets + CAS on the first replica + set on the second, plus HTTP; the anchor is one memjs set',
        results,
        ratios,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file}`);
}

function sleep(msec: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msec));
}

main()
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
