// bench/lb: our LB against HAProxy 2.6 and nginx (the anchors) and @fastify/http-proxy (a Node
// reference), each as a reverse proxy pinned to core 0 in front of two nginx backends, with the load
// generator pinned to core 1. Prints req/s, p50/p99 and the ratios, then p99 at half of HAProxy's
// peak rate (constant-rate generator), and writes JSON to bench/results/lb-<timestamp>.json.
// Run: npx tsx bench/lb/run.ts   Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (50), BENCH_ROUNDS (3),
// BENCH_ONLY (comma-separated subset of lb,haproxy,nginx,fastify), BENCH_LB_ENV (extra LB env, k=v;k=v).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, lbEnv, waitPort } from './bench-setup.js';
import { parseWrk, type WrkResult } from './wrk-output.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** A constant-rate sample whose generator sent this late (p99, ms) measured the generator, not the proxy. */
const GENERATOR_LAG_LIMIT_MS = 5;
const ONLY = (process.env.BENCH_ONLY ?? 'haproxy,nginx,lb,fastify').split(',');
const tmp = mkdtempSync(join(tmpdir(), 'bench-lb-'));
const children: ChildProcess[] = [];

function need(bin: string, pkg: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${bin} not found: apt-get install ${pkg}`);
  }
}

function start(name: string, cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  child.on('exit', (code, sig) => {
    if (code !== 0 && sig === null) process.stderr.write(`${name} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function wrk(port: number, seconds: number): WrkResult {
  return parseWrk(execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`], { encoding: 'utf8' }));
}

interface RateResult {
  generatorLagP99Ms: number;
  rate: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function rateLoad(port: number, rate: number, seconds: number): RateResult {
  const out = execFileSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', join(here, 'rate-load.ts'), '127.0.0.1', String(port), String(rate), String(seconds), String(CONNS), '/'], {
    encoding: 'utf8',
    cwd: root,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as RateResult;
}

async function main(): Promise<void> {
  need('nginx', 'nginx');
  need('haproxy', 'haproxy');
  need('wrk', 'wrk');
  need('taskset', 'util-linux');
  const haproxyVersion = execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0];

  // Two nginx backends (one process, core 1).
  const [b1, b2] = [await freePort(), await freePort()];
  const backConf = join(tmp, 'backends.conf');
  const nginxCommon = (prefix: string) => `daemon off; worker_processes 1; pid ${prefix}/nginx.pid; error_log stderr warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path ${prefix}/cb; proxy_temp_path ${prefix}/pt; fastcgi_temp_path ${prefix}/ft; uwsgi_temp_path ${prefix}/ut; scgi_temp_path ${prefix}/st;`;
  mkdirSync(join(tmp, 'back'));
  writeFileSync(
    backConf,
    `${nginxCommon(join(tmp, 'back'))}
  server { listen 127.0.0.1:${b1}; location / { default_type text/plain; return 200 "hello from b1\\n"; } }
  server { listen 127.0.0.1:${b2}; location / { default_type text/plain; return 200 "hello from b2\\n"; } }
}
`,
  );
  start('nginx-backends', 'taskset', ['-c', '1', 'nginx', '-e', 'stderr', '-p', join(tmp, 'back'), '-c', backConf]);
  await waitPort(b1);
  await waitPort(b2);

  const proxies: Array<{ name: string; port: number; launch: () => Promise<ChildProcess> }> = [];
  const hp = await freePort();
  proxies.push({
    name: 'haproxy',
    port: hp,
    launch: async () => {
      const conf = join(tmp, 'haproxy.cfg');
      writeFileSync(
        conf,
        `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 3s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 5s
  option forwardfor
  retries 2
  option redispatch
frontend fe
  bind 127.0.0.1:${hp}
  default_backend be
backend be
  balance roundrobin
  http-reuse safe
  option httpchk GET /healthz
  server b1 127.0.0.1:${b1} check inter 2s
  server b2 127.0.0.1:${b2} check inter 2s
`,
      );
      return start('haproxy', 'taskset', ['-c', '0', 'haproxy', '-db', '-f', conf]);
    },
  });
  const np = await freePort();
  proxies.push({
    name: 'nginx',
    port: np,
    launch: async () => {
      const prefix = join(tmp, 'proxy');
      mkdirSync(prefix, { recursive: true });
      const conf = join(prefix, 'nginx.conf');
      writeFileSync(
        conf,
        `${nginxCommon(prefix)}
  upstream be { server 127.0.0.1:${b1}; server 127.0.0.1:${b2}; keepalive 128; }
  server { listen 127.0.0.1:${np};
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout; proxy_next_upstream_tries 3; } }
}
`,
      );
      return start('nginx-proxy', 'taskset', ['-c', '0', 'nginx', '-e', 'stderr', '-p', prefix, '-c', conf]);
    },
  });
  const lp = await freePort();
  proxies.push({
    name: 'lb',
    port: lp,
    launch: async () =>
      start('lb', 'taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(root, 'apps/lb/src/server.ts')], await lbEnv(lp, b1, b2)),
  });
  const fp = await freePort();
  proxies.push({
    name: 'fastify',
    port: fp,
    launch: async () =>
      start('fastify-http-proxy', 'taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(root, 'apps/lb/bench/fastify-proxy.ts'), String(fp), `http://127.0.0.1:${b1}`]),
  });

  // All proxies run at once (idle ones cost nothing); each round measures every proxy in turn, in a
  // rotated order, so a slow spell of the machine (a shared VM) hits one sample of each, not one proxy.
  // Reported: the median req/s of each proxy and the median of the per-round ratios.
  const chosen = proxies.filter((x) => ONLY.includes(x.name));
  const running = new Map<string, ChildProcess>();
  for (const p of chosen) {
    running.set(p.name, await p.launch());
    await waitPort(p.port);
    wrk(p.port, 2); // warm-up (JIT, pools)
  }
  const rounds: Array<Record<string, WrkResult>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sample: Record<string, WrkResult> = {};
    for (let k = 0; k < chosen.length; k++) {
      const p = chosen[(k + round) % chosen.length]!;
      const r = wrk(p.port, SECONDS);
      sample[p.name] = r;
      console.log(`round ${round + 1} ${p.name.padEnd(8)} ${r.rps.toFixed(0).padStart(8)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}`);
    }
    rounds.push(sample);
  }
  const peak: Record<string, WrkResult> = {};
  for (const p of chosen) {
    const all = rounds.map((r) => r[p.name]!).sort((a, b) => a.rps - b.rps);
    peak[p.name] = all[Math.floor(all.length / 2)]!;
  }
  console.log('\nmedian of the rounds:');
  for (const [name, r] of Object.entries(peak)) {
    console.log(`${name.padEnd(8)} ${r.rps.toFixed(0).padStart(8)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`);
  }

  const half = peak.haproxy ? Math.round(peak.haproxy.rps / 2) : undefined;
  const ratedRounds: Array<Record<string, RateResult>> = [];
  if (half !== undefined) {
    console.log(`\nconstant rate ${half} req/s (half of HAProxy's median peak), ${SECONDS}s, ${CONNS} connections:`);
    const paced = chosen.filter((x) => x.name !== 'fastify');
    for (let round = 0; round < ROUNDS; round++) {
      const sample: Record<string, RateResult> = {};
      for (let k = 0; k < paced.length; k++) {
        const p = paced[(k + round) % paced.length]!;
        const r = rateLoad(p.port, half, SECONDS);
        sample[p.name] = r;
        const saturated = r.generatorLagP99Ms > GENERATOR_LAG_LIMIT_MS ? `  (load generator late by ${r.generatorLagP99Ms.toFixed(1)} ms at p99: not a measure of ${p.name})` : '';
        console.log(`round ${round + 1} ${p.name.padEnd(8)} achieved ${r.achievedRps} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}${saturated}`);
      }
      ratedRounds.push(sample);
    }
  }
  const rated: Record<string, RateResult> = {};
  for (const p of chosen) {
    const all = ratedRounds.map((r) => r[p.name]).filter((x): x is RateResult => x !== undefined).sort((a, b) => a.p99Ms - b.p99Ms);
    if (all.length > 0) rated[p.name] = all[Math.floor(all.length / 2)]!;
  }

  const median = (xs: number[]) => {
    const v = xs.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
    return v.length === 0 ? null : Math.round(v[Math.floor(v.length / 2)]! * 100) / 100;
  };
  const perRound = <T,>(samples: Array<Record<string, T>>, a: string, b: string, f: (x: T) => number) =>
    median(samples.filter((r) => r[a] !== undefined && r[b] !== undefined).map((r) => f(r[a]!) / f(r[b]!)));
  const ratios = {
    lbVsHaproxyRps: perRound(rounds, 'lb', 'haproxy', (r) => r.rps),
    lbVsNginxRps: perRound(rounds, 'lb', 'nginx', (r) => r.rps),
    lbVsFastifyRps: perRound(rounds, 'lb', 'fastify', (r) => r.rps),
    lbVsHaproxyP99AtHalfRate: perRound(
      ratedRounds.filter((r) => Object.values(r).every((x) => x.generatorLagP99Ms <= GENERATOR_LAG_LIMIT_MS)),
      'lb',
      'haproxy',
      (r) => r.p99Ms,
    ),
  };
  console.log('\nratios:', JSON.stringify(ratios));
  console.log('goals: lbVsHaproxyRps >= 0.45, lbVsFastifyRps >= 2, lbVsHaproxyP99AtHalfRate <= 2');
  const result = {
    bench: 'lb',
    at: new Date().toISOString(),
    node: process.version,
    haproxy: haproxyVersion,
    seconds: SECONDS,
    connections: CONNS,
    pinning: { proxy: 'core 0', loadAndBackends: 'core 1' },
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadavg: loadavg(), node: process.version },
    rounds: ROUNDS,
    peak,
    peakRounds: rounds,
    halfRate: half === undefined ? null : { rate: half, results: rated, rounds: ratedRounds },
    ratios,
    note: 'fastify = @fastify/http-proxy with one upstream (b1); others balance over b1 and b2. 2-core machine: numbers are noisy.',
  };
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `lb-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
  for (const c of running.values()) await stop(c);
  for (const c of children) await stop(c);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
