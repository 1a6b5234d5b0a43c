// Web tier benchmark: throughput and latency of a web replica's read paths (product JSON from the
// read-through cache, the same with the cache turned off, a catalogue HTML page from the cache) against
// nginx serving the same bytes as static files (the anchor: what HTTP serving costs on this machine).
// The web replica, MariaDB, memcached and nginx are pinned to core 0, wrk to core 1.
//
//   npx tsx bench/web/run.ts [--duration 10s] [--warmup 2s] [--connections 32] [--products 200]
//
// Prints a table and the ratios, writes JSON to bench/results/web-<timestamp>.json, cleans up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@scaleout/infra';
import { arg, requireBinaries, seconds } from '../bench-args.js';
import { runBench, runWrk, type WrkResult } from '../wrk-runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const DURATION = seconds(arg('duration', '10s'));
const WARMUP = seconds(arg('warmup', '2s'));
const CONNECTIONS = Number(arg('connections', '32'));
const PRODUCTS = Number(arg('products', '200'));
const TOTAL_SECONDS_BOUND = 600;

requireBinaries(['wrk', 'nginx', 'taskset', 'mariadbd', 'memcached'], 'wrk, nginx, util-linux, mariadb-server, memcached');

const work = mkdtempSync(join(tmpdir(), 'scaleout-bench-web-'));
// nginx workers run as an unprivileged user when started by root: the document root must be readable.
chmodSync(work, 0o755);
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
};
process.on('exit', () => {
  cleanup();
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
const hardStop = setTimeout(() => {
  console.error(`bench: stopped after the ${TOTAL_SECONDS_BOUND} s bound`);
  process.exit(1);
}, TOTAL_SECONDS_BOUND * 1000);
hardStop.unref();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitHttp(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(250);
  }
}

function pin(pid: number, core: number): void {
  spawnSync('taskset', ['-a', '-pc', String(core), String(pid)], { stdio: 'ignore' });
}

async function startBacking(): Promise<{ db: string; memcached: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/web/bench/backing-services.ts')], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', res);
    child.once('exit', (code) => rej(new Error(`backing services exited with ${code}`)));
  });
  const info = JSON.parse(line) as { db: string; memcached: string; pids: number[] };
  for (const pid of info.pids) pin(pid, 0);
  return info;
}

async function startWeb(name: string, port: number, env: Record<string, string>): Promise<string> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(root, 'apps/web/src/server.ts')], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'development', WEB_INSTANCE: name, WEB_HOST: '127.0.0.1', WEB_PORT: String(port), WEB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`);
  return url;
}

async function startNginx(port: number, docroot: string): Promise<string> {
  const prefix = join(work, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi;\n` +
      `  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;\n  keepalive_requests 1000000;\n` +
      `  types { application/json json; text/html html; }\n` +
      `  server { listen 127.0.0.1:${port}; root ${docroot}; location / { try_files $uri $uri.json $uri.html =404; } }\n}\n`,
  );
  const child = spawn('taskset', ['-c', '0', 'nginx', '-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/ping.json`, 10_000);
  return url;
}

function wrk(url: string, paths: string[], durationS: number): WrkResult {
  const script = join(work, `paths-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\n` +
      `local i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(nil, paths[(i % #paths) + 1])\nend\n`,
  );
  return runWrk(url, script, { connections: CONNECTIONS, durationS, core: 1 });
}

async function main(): Promise<void> {
  console.log(`bench/web: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`duration ${DURATION}s per scenario (+${WARMUP}s warm-up), ${CONNECTIONS} connections, ${PRODUCTS} products\n`);
  const backing = await startBacking();
  const common = {
    WEB_DB_HOSTS: backing.db,
    WEB_MEMCACHED_NODES: backing.memcached,
    WEB_MEMCACHED_REPLICAS: '1',
    WEB_SESSION_URLS: `http://127.0.0.1:${await freePort()}`,
    WEB_SEED_PRODUCTS: '3000',
    WEB_SEED_USERS: '10',
    WEB_CACHE_TTL: '10m',
  };
  const cached = await startWeb('web-cached', await freePort(), common);
  const uncached = await startWeb('web-uncached', await freePort(), { ...common, WEB_CACHE_ENABLED: 'false' });

  const list = (await (await fetch(`${cached}/api/products?pageSize=100&page=1`)).json()) as { items: { id: number }[] };
  const list2 = (await (await fetch(`${cached}/api/products?pageSize=100&page=2`)).json()) as { items: { id: number }[] };
  const ids = [...list.items, ...list2.items].map((i) => i.id).slice(0, PRODUCTS);
  const productPaths = ids.map((id) => `/api/products/${id}`);
  const cataloguePaths = Array.from({ length: 50 }, (_, i) => `/products?page=${i + 1}`);

  // The anchor serves the very bytes the web tier answers.
  const docroot = join(work, 'www');
  mkdirSync(join(docroot, 'api/products'), { recursive: true });
  mkdirSync(join(docroot, 'products'), { recursive: true });
  writeFileSync(join(docroot, 'ping.json'), '{}');
  for (const id of ids) writeFileSync(join(docroot, `api/products/${id}.json`), await (await fetch(`${cached}/api/products/${id}`)).text());
  for (let p = 1; p <= 50; p++) writeFileSync(join(docroot, `products/page-${p}.html`), await (await fetch(`${cached}/products?page=${p}`)).text());
  const nginx = await startNginx(await freePort(), docroot);
  const staticCatalogue = Array.from({ length: 50 }, (_, i) => `/products/page-${i + 1}`);

  const scenarios: { name: string; url: string; paths: string[] }[] = [
    { name: 'nginx static product JSON (anchor)', url: nginx, paths: productPaths },
    { name: 'web product JSON, cache hit', url: cached, paths: productPaths },
    { name: 'web product JSON, cache off (MariaDB)', url: uncached, paths: productPaths },
    { name: 'nginx static catalogue HTML (anchor)', url: nginx, paths: staticCatalogue },
    { name: 'web catalogue HTML, cache hit', url: cached, paths: cataloguePaths },
  ];
  const results: (WrkResult & { name: string })[] = [];
  for (const s of scenarios) {
    if (WARMUP > 0) wrk(s.url, s.paths, WARMUP);
    const r = wrk(s.url, s.paths, DURATION);
    results.push({ name: s.name, ...r });
    console.log(`  ${s.name}: ${r.requestsPerSecond.toFixed(0)} req/s`);
  }

  const by = (n: string) => results.find((r) => r.name.startsWith(n))!;
  const ratios = {
    productCachedVsNginx: by('web product JSON, cache hit').requestsPerSecond / by('nginx static product JSON').requestsPerSecond,
    productUncachedVsCached: by('web product JSON, cache off').requestsPerSecond / by('web product JSON, cache hit').requestsPerSecond,
    catalogueCachedVsNginx: by('web catalogue HTML').requestsPerSecond / by('nginx static catalogue HTML').requestsPerSecond,
  };

  console.log('\n| scenario | req/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} |`);
  }
  console.log('\nratios (throughput):');
  console.log(`  web product JSON (cache hit) / nginx static    ${ratios.productCachedVsNginx.toFixed(3)}`);
  console.log(`  web product JSON cache off / cache hit         ${ratios.productUncachedVsCached.toFixed(3)}`);
  console.log(`  web catalogue HTML (cache hit) / nginx static  ${ratios.catalogueCachedVsNginx.toFixed(3)}`);

  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `web-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'web',
        at: new Date().toISOString(),
        machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavg: loadavg() },
        settings: { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, products: ids.length },
        results,
        ratios,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nwrote ${file}`);
}

/** Stops every child (SIGTERM) and waits for them, so nothing is left behind and nginx finds its files. */
runBench(main, children);
