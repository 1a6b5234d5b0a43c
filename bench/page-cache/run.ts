// Page cache benchmark: the same cached page through this LB's page cache, Varnish 7 and nginx
// proxy_cache, each pinned to core 0, in front of one nginx backend and wrk on core 1, in the same
// run. Scenarios: hits only (100 hot URLs, all cached after a warm-up) and a 90/10 hit/miss mix (one
// request in ten to a URL never seen before: the miss path, fetch + store). Prints req/s, p50, p99,
// backend requests, and the ratios LB/Varnish on hits and LB/nginx on the mix.
//
//   npx tsx bench/page-cache/run.ts [--duration 10s] [--warmup 2s] [--connections 50] [--body 4096]
//
// Writes JSON to bench/results/page-cache-<timestamp>.json and stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@scaleout/infra';
import { arg, requireBinaries, seconds } from '../bench-args.js';
import { runBench, runWrk, type WrkResult } from '../wrk-runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const DURATION = seconds(arg('duration', process.env.BENCH_SECONDS ?? '10s'));
const WARMUP = seconds(arg('warmup', '2s'));
const CONNECTIONS = Number(arg('connections', '50'));
const BODY = Number(arg('body', '4096'));
const HOT = 100;
const TOTAL_SECONDS_BOUND = 600;

requireBinaries(['wrk', 'nginx', 'varnishd', 'taskset'], 'wrk, nginx, varnish, util-linux');

const work = mkdtempSync(join(tmpdir(), 'scaleout-bench-page-cache-'));
chmodSync(work, 0o755); // nginx workers and varnish's children run unprivileged when started by root
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
setTimeout(() => {
  console.error(`bench: stopped after the ${TOTAL_SECONDS_BOUND} s bound`);
  process.exit(1);
}, TOTAL_SECONDS_BOUND * 1000).unref();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((res, rej) => {
    const req = http.get(url, { agent: false }, (r) => {
      let body = '';
      r.setEncoding('latin1');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await get(url);
      if (r.status < 500) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

const tempPaths = (p: string) => `client_body_temp_path ${p}/body; proxy_temp_path ${p}/proxy; fastcgi_temp_path ${p}/fcgi; uwsgi_temp_path ${p}/uwsgi; scgi_temp_path ${p}/scgi;`;

/** nginx backend (core 1): every path answers the same page, public for an hour, with ETag/Last-Modified. */
async function startBackend(port: number): Promise<void> {
  const prefix = join(work, 'backend');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  mkdirSync(join(prefix, 'www'), { recursive: true });
  chmodSync(join(prefix, 'www'), 0o755);
  writeFileSync(join(prefix, 'www/page.html'), `<!doctype html><title>page</title><p>${'x'.repeat(Math.max(0, BODY - 40))}</p>\n`);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 4096; }\n` +
      `http {\n  access_log off;\n  ${tempPaths(prefix)}\n  keepalive_requests 1000000;\n  types { text/html html; }\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    root ${prefix}/www;\n    location = /healthz { return 200 "ok"; }\n` +
      `    location = /__status { stub_status; }\n    location / { add_header Cache-Control "public, max-age=3600"; try_files /page.html =404; }\n  }\n}\n`,
  );
  start('taskset', ['-c', '1', 'nginx', '-p', prefix, '-c', conf]);
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
}

async function backendRequests(port: number): Promise<number> {
  const r = await get(`http://127.0.0.1:${port}/__status`);
  return Number(/\n\s*\d+\s+\d+\s+(\d+)/.exec(r.body)?.[1] ?? NaN);
}

async function startLb(port: number, backend: number): Promise<void> {
  start('taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(root, 'apps/lb/src/server.ts')], {
    LB_INSTANCE: 'bench-lb',
    LB_HOST: '127.0.0.1',
    LB_HTTP_PORT: String(port),
    LB_HTTPS: 'false',
    LB_ADMIN_PORT: String(await freePort()),
    LB_SERVERS: `b1=127.0.0.1:${backend}`,
    LB_STICKY: 'false',
    LB_CHECK_PATH: '/healthz',
    LB_LOG_LEVEL: 'warn',
    LB_CACHE: 'true',
    LB_CACHE_MAX_BYTES: String(64 * 1024 * 1024),
    NODE_ENV: 'development',
  });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
}

async function startVarnish(port: number, backend: number): Promise<void> {
  const dir = join(work, 'varnish');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  start('taskset', ['-c', '0', 'varnishd', '-F', '-n', dir, '-a', `127.0.0.1:${port}`, '-b', `127.0.0.1:${backend}`, '-s', 'malloc,64m']);
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
}

/** nginx proxy_cache, one worker, without proxy_cache_lock (every concurrent miss goes to the backend). */
async function startNginxCache(port: number, backend: number): Promise<void> {
  const prefix = join(work, 'nginx-cache');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  mkdirSync(join(prefix, 'cache'), { recursive: true });
  chmodSync(prefix, 0o777);
  chmodSync(join(prefix, 'cache'), 0o777);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 4096; }\n` +
      `http {\n  access_log off;\n  ${tempPaths(prefix)}\n  keepalive_requests 1000000;\n` +
      `  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=pc:16m max_size=64m inactive=10m use_temp_path=off;\n` +
      `  upstream backend { server 127.0.0.1:${backend}; keepalive 64; }\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    location / {\n      proxy_pass http://backend;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n` +
      `      proxy_cache pc;\n      add_header X-Cache $upstream_cache_status;\n    }\n  }\n}\n`,
  );
  start('taskset', ['-c', '0', 'nginx', '-p', prefix, '-c', conf]);
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
}

/** wrk on core 1; `missEvery` > 0 sends every n-th request to a URL never requested before. */
function wrk(url: string, missEvery: number, tag: string, durationS: number): WrkResult {
  const script = join(work, `wrk-${tag}.lua`);
  writeFileSync(
    script,
    `local i = 0\nrequest = function()\n  i = i + 1\n` +
      (missEvery > 0 ? `  if i % ${missEvery} == 0 then return wrk.format(nil, "/miss/${tag}/" .. i) end\n` : '') +
      `  return wrk.format(nil, "/page/" .. (i % ${HOT}))\nend\n`,
  );
  return runWrk(url, script, { connections: CONNECTIONS, durationS, core: 1 });
}

async function main(): Promise<void> {
  console.log(`bench/page-cache: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${DURATION}s per scenario (+${WARMUP}s warm-up), ${CONNECTIONS} connections, ${BODY}-byte page, ${HOT} hot URLs; proxies on core 0, backend nginx and wrk on core 1\n`);
  const backend = await freePort();
  await startBackend(backend);
  const proxies = [
    { name: 'lb', label: 'this LB (page cache)', port: await freePort(), start: startLb },
    { name: 'varnish', label: 'Varnish 7 (-s malloc,64m)', port: await freePort(), start: startVarnish },
    { name: 'nginx', label: 'nginx proxy_cache (no cache_lock)', port: await freePort(), start: startNginxCache },
  ];
  for (const p of proxies) await p.start(p.port, backend);
  // sanity: the second request is a hit everywhere
  for (const p of proxies) {
    await get(`http://127.0.0.1:${p.port}/page/0`);
    const r = await get(`http://127.0.0.1:${p.port}/page/0`);
    const hit = p.name === 'varnish' ? String(r.headers['x-varnish'] ?? '').includes(' ') /* two XIDs: a hit */ : /HIT/.test(String(r.headers['x-cache']));
    if (r.status !== 200 || !hit) throw new Error(`${p.label}: the second request was not a cache hit (${r.status}, ${JSON.stringify(r.headers)})`);
  }
  const results: Array<WrkResult & { proxy: string; scenario: string; backendRequests: number }> = [];
  for (const scenario of ['hits', 'mix 90/10'] as const) {
    for (const p of proxies) {
      const url = `http://127.0.0.1:${p.port}`;
      const tag = `${p.name}-${scenario === 'hits' ? 'h' : 'm'}`;
      if (WARMUP > 0) wrk(url, scenario === 'hits' ? 0 : 10, `${tag}-warm`, WARMUP);
      const before = await backendRequests(backend);
      const r = wrk(url, scenario === 'hits' ? 0 : 10, tag, DURATION);
      const backendCount = (await backendRequests(backend)) - before - 1;
      results.push({ proxy: p.name, scenario, backendRequests: backendCount, ...r });
      console.log(`${scenario.padEnd(10)} ${p.label.padEnd(36)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s  p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}  backend requests ${backendCount}`);
    }
  }
  const by = (proxy: string, scenario: string) => results.find((r) => r.proxy === proxy && r.scenario === scenario)!;
  const ratios = {
    hitsLbOverVarnish: by('lb', 'hits').requestsPerSecond / by('varnish', 'hits').requestsPerSecond,
    hitsLbOverNginx: by('lb', 'hits').requestsPerSecond / by('nginx', 'hits').requestsPerSecond,
    mixLbOverNginx: by('lb', 'mix 90/10').requestsPerSecond / by('nginx', 'mix 90/10').requestsPerSecond,
    mixLbOverVarnish: by('lb', 'mix 90/10').requestsPerSecond / by('varnish', 'mix 90/10').requestsPerSecond,
    mixP99LbOverNginx: by('lb', 'mix 90/10').p99Ms / by('nginx', 'mix 90/10').p99Ms,
  };
  console.log('\nratios (req/s):');
  console.log(`  hits: LB / Varnish          ${ratios.hitsLbOverVarnish.toFixed(3)}   (goal ≥ 0.5)`);
  console.log(`  hits: LB / nginx            ${ratios.hitsLbOverNginx.toFixed(3)}`);
  console.log(`  90/10 mix: LB / nginx       ${ratios.mixLbOverNginx.toFixed(3)}   (goal ≥ 1; p99 LB / nginx ${ratios.mixP99LbOverNginx.toFixed(3)})`);
  console.log(`  90/10 mix: LB / Varnish     ${ratios.mixLbOverVarnish.toFixed(3)}`);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `page-cache-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavg: loadavg() }, settings: { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, body: BODY, hot: HOT }, results, ratios },
      null,
      2,
    ),
  );
  console.log(`\nwritten ${file}`);
}

runBench(main, children);
