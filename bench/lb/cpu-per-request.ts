// CPU time per request of the LB (utime + stime of its process from /proc/<pid>/stat, divided by the
// requests wrk completed): far less sensitive to other load on the machine than req/s. Starts two nginx
// backends (core 1), the LB (core 0), then runs `wrk -t1 -c50` (core 1) a few times after a warm-up.
// Run: npx tsx bench/lb/cpu-per-request.ts
// Env: BENCH_SECONDS (per run, default 10), BENCH_RUNS (3), BENCH_CONNECTIONS (50), BENCH_LB_ENV (k=v;k=v),
// BENCH_CPU_PROF=<dir> (run the LB with --cpu-prof into <dir>; summarise with profile-summary.ts),
// BENCH_NODE (node binary for the LB, default this one), BENCH_COMPARE (other server.ts paths, e.g. a
// copy of the previous version: every LB is started, and the runs alternate between them).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, lbEnv, waitPort } from './bench-setup.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROF = process.env.BENCH_CPU_PROF;
const NODE = process.env.BENCH_NODE ?? process.execPath;
/** LB entry points to compare: this checkout's, then BENCH_COMPARE (comma-separated server.ts paths). */
const ENTRIES = [join(root, 'apps/lb/src/server.ts'), ...(process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean).map((p) => resolve(p))];
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const tmp = mkdtempSync(join(tmpdir(), 'bench-lb-cpu-'));
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

function cpuTicks(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), sys: Number(f[12]) }; // utime, stime (fields 14 and 15)
}

function wrk(port: number, seconds: number): { rps: number; requests: number; errors: number } {
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNS}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const errs = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  return { rps, requests, errors: Number(errs?.[1] ?? 0) };
}

function cleanup(): void {
  // SIGTERM: the nginx master stops its workers itself (SIGKILL would orphan them)
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function main(): Promise<void> {
  const [b1, b2] = [await freePort(), await freePort()];
  const prefix = join(tmp, 'back');
  mkdirSync(prefix);
  const conf = join(tmp, 'backends.conf');
  writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${prefix}/nginx.pid; error_log stderr warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path ${prefix}/cb; proxy_temp_path ${prefix}/pt; fastcgi_temp_path ${prefix}/ft; uwsgi_temp_path ${prefix}/ut; scgi_temp_path ${prefix}/st;
  server { listen 127.0.0.1:${b1}; location / { default_type text/plain; return 200 "hello from b1\\n"; } }
  server { listen 127.0.0.1:${b2}; location / { default_type text/plain; return 200 "hello from b2\\n"; } }
}
`,
  );
  start('taskset', ['-c', '1', 'nginx', '-e', 'stderr', '-p', prefix, '-c', conf]);
  await waitPort(b1);
  await waitPort(b2);

  const profArgs = PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROF)}`] : [];
  // Every entry runs at once (idle while another one is measured), so that variants alternate in
  // the same conditions: A, B, A, B…
  const lbs: Array<{ entry: string; port: number; child: ChildProcess; us: number[]; rps: number[] }> = [];
  for (const entry of ENTRIES) {
    const port = await freePort();
    const child = start('taskset', ['-c', '0', NODE, ...profArgs, '--import', 'tsx', entry], await lbEnv(port, b1, b2));
    lbs.push({ entry, port, child, us: [], rps: [] });
  }
  for (const lb of lbs) {
    await waitPort(lb.port);
    wrk(lb.port, 3); // warm-up (JIT, pools)
  }
  const us = (ticks: number, requests: number) => ((ticks / TICK) * 1e6) / requests;
  for (let i = 0; i < RUNS; i++) {
    for (const [k, lb] of lbs.entries()) {
      const t0 = cpuTicks(lb.child.pid!);
      const r = wrk(lb.port, SECONDS);
      const t1 = cpuTicks(lb.child.pid!);
      const user = us(t1.user - t0.user, r.requests);
      const sys = us(t1.sys - t0.sys, r.requests);
      lb.us.push(user + sys);
      lb.rps.push(r.rps);
      console.log(
        `[${k}] run ${i + 1}: ${r.rps.toFixed(0).padStart(6)} req/s  ${(user + sys).toFixed(2).padStart(6)} µs CPU/request (user ${user.toFixed(2)}, sys ${sys.toFixed(2)})  errors ${r.errors}`,
      );
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  for (const [k, lb] of lbs.entries()) {
    console.log(`[${k}] ${lb.entry}: median ${median(lb.us).toFixed(2)} µs CPU/request (best ${Math.min(...lb.us).toFixed(2)}), median ${median(lb.rps).toFixed(0)} req/s`);
  }
  for (const lb of lbs) {
    const done = new Promise((r) => lb.child.once('exit', r));
    lb.child.kill('SIGTERM');
    await done; // the profile is written on a clean exit
  }
  // nginx: SIGTERM lets the master stop its workers (SIGKILL would orphan them)
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
