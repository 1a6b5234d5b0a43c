// Shared pieces of the db-proxy benchmark (run.ts) and its profiler (profile.ts): a pinned MariaDB pair,
// HAProxy, the db-proxy, sysbench runs, and CPU accounting from /proc (per process and per core).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@scaleout/infra';
import { until } from '@scaleout/testing';

export { freePort };

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const CORES = cpus().length;
const ALL_CORES = `0-${CORES - 1}`;

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

// ------------------------------------------------------------------ topology (which process runs on which core)

/** Cores for each part: a taskset list ('0', '1', '0-1') or 'none' (any core). */
export interface Topology {
  name: string;
  /** Both mariadbd (every thread). */
  db: string;
  /** sysbench. */
  client: string;
  /** HAProxy or the db-proxy. */
  proxy: string;
  /** What it models. */
  about: string;
}

export const TOPOLOGIES: Record<string, Omit<Topology, 'name'>> = {
  // the default: see README "Topology"
  'client-proxy': {
    db: '0',
    client: '1',
    proxy: '1',
    about: 'database alone on core 0; sysbench and the proxy share core 1 (the proxy must fit in what the client leaves)',
  },
  'db-client': {
    db: '0',
    client: '0',
    proxy: '1',
    about: 'database and sysbench on core 0; the proxy alone on core 1 (direct leaves core 1 idle)',
  },
  'db-proxy': {
    db: '0',
    client: '1',
    proxy: '0',
    about: 'database and the proxy on core 0; sysbench alone on core 1 (the proxy takes CPU from the database)',
  },
  free: { db: 'none', client: 'none', proxy: 'none', about: 'nothing pinned: the kernel spreads everything over both cores' },
};

export function topology(name: string): Topology {
  const t = TOPOLOGIES[name];
  if (!t) throw new Error(`unknown topology ${name} (known: ${Object.keys(TOPOLOGIES).join(', ')})`);
  return {
    name,
    db: arg('pin-db', t.db),
    client: arg('pin-client', t.client),
    proxy: arg('pin-proxy', t.proxy),
    about: t.about,
  };
}

const cpuList = (pin: string) => (pin === 'none' ? ALL_CORES : pin);

/** Moves every thread of `pid` onto `pin`. */
export function pinProcess(pid: number | undefined, pin: string): void {
  if (pid) spawnSync('taskset', ['-a', '-pc', cpuList(pin), String(pid)], { stdio: 'ignore' });
}

// ------------------------------------------------------------------ CPU accounting

/** User and system CPU seconds of a process (all its threads), from /proc/<pid>/stat (USER_HZ = 100). */
export function cpuSeconds(pid: number | undefined): { user: number; system: number } {
  if (!pid) return { user: NaN, system: NaN };
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** Jiffies per core: busy (everything but idle and iowait), steal, total. */
export function coreTimes(): { busy: number; steal: number; total: number }[] {
  const out: { busy: number; steal: number; total: number }[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = { busy: total - v[3]! - v[4]!, steal: v[7] ?? 0, total };
  }
  return out;
}

/** Share of each core that was busy between two coreTimes() readings (0..1). */
export function coreBusy(before: ReturnType<typeof coreTimes>, after: ReturnType<typeof coreTimes>): number[] {
  return after.map((a, i) => {
    const b = before[i]!;
    const total = a.total - b.total;
    return total > 0 ? (a.busy - b.busy) / total : NaN;
  });
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ------------------------------------------------------------------ processes

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
export function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Starts `cmd` on cores `pin`; the returned process's pid is the command's (taskset execs it). */
export function start(pin: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const c = spawn('taskset', ['-c', cpuList(pin), cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  c.on('exit', (code, signal) => {
    children.delete(c);
    if (code && code !== 0) console.error(`${cmd} exited ${code ?? signal}: ${err}`);
  });
  children.add(c);
  return c;
}

/** The tests' polling helper: `until(what, fn, timeoutMs, intervalMs)` (a throw counts as not yet). */
export { until };

export function requireBinaries(names: string[]): void {
  for (const bin of names) if (spawnSync('which', [bin]).status !== 0) throw new Error(`${bin} is not installed`);
}

/** What the benchmark uses from @scaleout/testing (loaded by package name at run time). */
export interface Pair {
  a: { host: string; port: number; pid: number };
  b: { host: string; port: number; pid: number };
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A master-master pair with semi-sync AFTER_SYNC (timeout 1 s), like the stack. */
export async function startPair(): Promise<Pair> {
  const testingName = '@scaleout/testing';
  const testing = (await import(testingName)) as { startMariadbPair(options: Record<string, unknown>): Promise<Pair> };
  return testing.startMariadbPair({ admin: { user: 'scaleout', password: 'scaleout' }, semiSync: { timeoutMs: 1000 } });
}

export interface Started {
  port: number;
  pid: number;
  child: ChildProcess;
}

/** HAProxy in TCP mode, one thread, in front of db1. */
export async function startHaproxy(pair: Pair, pin: string): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dbproxy-haproxy-'));
  tempDirs.push(dir);
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  nbthread 1',
      '  maxconn 4000',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 1h',
      '  timeout server 1h',
      'listen mysql',
      `  bind 127.0.0.1:${port}`,
      `  server db1 ${pair.a.host}:${pair.a.port}`,
      '',
    ].join('\n'),
  );
  const child = start(pin, 'haproxy', ['-db', '-f', cfg]);
  await until('haproxy listening', () => canConnect(port), 15_000, 100);
  return { port, pid: child.pid!, child };
}

/** The floor of a Node proxy: node-pipe.ts (a plain byte relay) in front of db1. */
export async function startPipe(pair: Pair, pin: string, mode: 'data' | 'onread'): Promise<Started> {
  const port = await freePort();
  const child = start(pin, process.execPath, ['--import', 'tsx', join(here, 'node-pipe.ts'), String(port), pair.a.host, String(pair.a.port), mode]);
  await until('node pipe listening', () => canConnect(port), 15_000, 100);
  return { port, pid: child.pid!, child };
}

/** The db-proxy in front of the pair (db1 writer, db2 reader), ready once db2 is fenced and both replicate. */
export async function startProxy(pair: Pair, pin: string, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<Started & { admin: string }> {
  const port = await freePort();
  const adminPort = await freePort();
  const admin = `127.0.0.1:${adminPort}`;
  const child = start(pin, process.execPath, [...nodeArgs, '--import', 'tsx', join(repoRoot, 'apps/db-proxy/src/server.ts')], {
    ...process.env,
    NODE_ENV: 'development',
    DBPROXY_INSTANCE: 'bench-proxy',
    DBPROXY_PORT: String(port),
    DBPROXY_ADMIN_PORT: String(adminPort),
    DBPROXY_BACKENDS: `db1=${pair.a.host}:${pair.a.port},db2=${pair.b.host}:${pair.b.port}`,
    DBPROXY_LOG_LEVEL: 'warn',
    ...env,
  });
  await until('proxy ready with db2 fenced', async () => {
    const r = await fetch(`http://${admin}/api/backends`, { headers: { authorization: 'Bearer dev-admin-token' } });
    const b = (await r.json()) as { writer: string; backends: { readOnly: boolean; replicating: boolean }[] };
    return b.writer === 'db1' && b.backends[1]!.readOnly === true && b.backends.every((x) => x.replicating);
  }, 60_000, 100);
  return { port, pid: child.pid!, child, admin };
}

/** Stops a child with SIGTERM (the proxy drains and, with --cpu-prof, writes its profile) and waits for it. */
export function stopChild(c: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => {
      c.kill('SIGKILL');
      res();
    }, timeoutMs);
    c.once('exit', () => {
      clearTimeout(t);
      res();
    });
    c.kill('SIGTERM');
  });
}

// ------------------------------------------------------------------ sysbench

export function connArgs(port: number): string[] {
  return ['--mysql-host=127.0.0.1', `--mysql-port=${port}`, '--mysql-user=app', '--mysql-password=app', '--mysql-db=shop'];
}

export interface SysbenchResult {
  code: number | null;
  out: string;
  tps: number;
  qps: number;
  p95ms: number;
  ignoredErrors: number;
  /** CPU seconds sysbench itself used (user + system). */
  cpu: number;
}

function num(out: string, re: RegExp): number {
  const m = re.exec(out);
  return m ? Number(m[1]) : NaN;
}

/**
 * Runs sysbench on cores `pin`. Its own CPU time is read from the wrapping shell's cutime/cstime
 * (children it waited for), so it is known even though sysbench has exited.
 */
export function sysbench(pin: string, args: string[], timeoutMs: number): SysbenchResult {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `taskset -c ${cpuList(pin)} sysbench ${quoted}; rc=$?; echo "@@stat $(cat /proc/$$/stat)"; exit $rc`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: timeoutMs });
  const out = `${r.stdout}\n${r.stderr}`;
  let cpu = NaN;
  const m = /@@stat .*?\) (.*)/.exec(r.stdout ?? '');
  if (m) {
    const f = m[1]!.split(' ');
    cpu = (Number(f[13]) + Number(f[14])) / 100;
  }
  return {
    code: r.status,
    out,
    tps: num(out, /transactions:\s+\d+\s+\((\d+(?:\.\d+)?) per sec/),
    qps: num(out, /queries:\s+\d+\s+\((\d+(?:\.\d+)?) per sec/),
    p95ms: num(out, /95th percentile:\s+(\d+(?:\.\d+)?)/),
    ignoredErrors: num(out, /ignored errors:\s+(\d+)/),
    cpu,
  };
}

/** Reads and writes through the proxy so far (scaleout_db_proxy_queries_total by route). */
export async function proxyCounts(admin: string): Promise<{ reader: number; writer: number }> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  let reader = 0;
  let writer = 0;
  for (const line of text.split('\n')) {
    const m = /^scaleout_db_proxy_queries_total\{route="(reader|writer)"[^}]*\} (\d+)/.exec(line);
    if (m) {
      if (m[1] === 'reader') reader += Number(m[2]);
      else writer += Number(m[2]);
    }
  }
  return { reader, writer };
}

export async function proxyLag(admin: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  const m = /^scaleout_db_proxy_replication_lag_seconds\{server="db2"\} (-?[0-9.]+)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}
