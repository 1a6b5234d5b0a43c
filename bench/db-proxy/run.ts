// db-proxy benchmark: sysbench oltp_read_only and oltp_read_write (8 threads; --db-ps-mode=disable and
// the default prepared statements; with and without --skip_trx) straight to MariaDB (the anchor), through
// HAProxy in TCP mode, and through the db-proxy (which splits reads over both servers of the pair). The
// proxy and HAProxy are pinned to one core (taskset -c 1); sysbench and the two mariadbd are not pinned.
//
//   npx tsx bench/db-proxy/run.ts [--time 10] [--threads 8] [--rounds 1] [--targets direct,haproxy,proxy]
//                                 [--workloads oltp_read_only,oltp_read_write] [--table-size 10000]
//
// With --rounds N every configuration is measured N times, the targets interleaved (direct, haproxy,
// proxy, direct, …) so that a change in machine load hits all of them; medians are reported.
//
// Prints a table with tps, qps, p95 latency and ratios against direct, the share of reads the reader
// served through the proxy, and writes JSON to bench/results/db-proxy-<timestamp>.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const seconds = Number(arg('time', '10'));
const rounds = Math.max(1, Number(arg('rounds', '1')));
const threads = Number(arg('threads', '8'));
const tableSize = Number(arg('table-size', '10000'));
const tables = 4;
const targets = arg('targets', 'direct,haproxy,proxy').split(',') as Target[];
const workloads = arg('workloads', 'oltp_read_only,oltp_read_write').split(',');
const PROXY_CORE = '1';

type Target = 'direct' | 'haproxy' | 'proxy';

interface Run {
  workload: string;
  psMode: 'disable' | 'auto';
  skipTrx: boolean;
  target: Target;
  tps: number;
  qps: number;
  p95ms: number;
  errors: number;
  ignoredErrors: number;
  /** Through the proxy: share of statements the reader served. */
  readerShare?: number;
  /** tps of each round (with --rounds). */
  samples?: number[];
  /** CPU time of the proxy or HAProxy process per query (µs): robust against machine load. */
  cpuUsPerQuery?: number;
  /** The user-space part of it (µs per query). */
  userUsPerQuery?: number;
  /** Through the proxy: the reader's Seconds_Behind_Master at the end of the run. */
  readerLagSeconds?: number;
}

/** User and system CPU time of a process in seconds (Linux /proc, USER_HZ = 100). */
function cpuSeconds(pid: number | undefined): { user: number; system: number } {
  if (!pid) return { user: NaN, system: NaN };
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** What this benchmark uses from @scaleout/testing (loaded by package name at run time). */
interface Pair {
  a: { host: string; port: number };
  b: { host: string; port: number };
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}
interface TestingLib {
  startMariadbPair(options: Record<string, unknown>): Promise<Pair>;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

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

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const c = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  c.on('exit', (code, signal) => {
    children.delete(c);
    if (code && code !== 0) console.error(`${cmd} exited ${code ?? signal}: ${err}`);
  });
  children.add(c);
  return c;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sysbench(args: string[], timeoutMs: number): { code: number | null; out: string } {
  const r = spawnSync('sysbench', args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function num(out: string, re: RegExp): number {
  const m = re.exec(out);
  return m ? Number(m[1]) : NaN;
}

async function proxyCounts(admin: string): Promise<{ reader: number; writer: number }> {
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

async function proxyLag(admin: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  const m = /^scaleout_db_proxy_replication_lag_seconds\{server="db2"\} (-?[0-9.]+)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  for (const bin of ['sysbench', 'mariadbd', ...(targets.includes('haproxy') ? ['haproxy'] : []), 'taskset']) {
    if (spawnSync('which', [bin]).status !== 0) throw new Error(`${bin} is not installed`);
  }
  const testingName = '@scaleout/testing';
  const testing = (await import(testingName)) as TestingLib;
  console.log('starting a MariaDB master-master pair (semi-sync AFTER_SYNC, timeout 1 s)…');
  const pair = await testing.startMariadbPair({ admin: { user: 'scaleout', password: 'scaleout' }, semiSync: { timeoutMs: 1000 } });
  const ports: Record<Target, number> = { direct: pair.a.port, haproxy: 0, proxy: 0 };
  const pids: Partial<Record<Target, number>> = {};
  let proxyAdmin = '';
  try {
    if (targets.includes('haproxy')) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-dbproxy-haproxy-'));
      tempDirs.push(dir);
      ports.haproxy = await freePort();
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
          `  bind 127.0.0.1:${ports.haproxy}`,
          `  server db1 ${pair.a.host}:${pair.a.port}`,
          '',
        ].join('\n'),
      );
      pids.haproxy = start('taskset', ['-c', PROXY_CORE, 'haproxy', '-db', '-f', cfg]).pid;
    }
    if (targets.includes('proxy')) {
      ports.proxy = await freePort();
      const adminPort = await freePort();
      proxyAdmin = `127.0.0.1:${adminPort}`;
      pids.proxy = start('taskset', ['-c', PROXY_CORE, process.execPath, '--import', 'tsx', join(repoRoot, 'apps/db-proxy/src/server.ts')], {
        ...process.env,
        NODE_ENV: 'development',
        DBPROXY_INSTANCE: 'bench-proxy',
        DBPROXY_PORT: String(ports.proxy),
        DBPROXY_ADMIN_PORT: String(adminPort),
        DBPROXY_BACKENDS: `db1=${pair.a.host}:${pair.a.port},db2=${pair.b.host}:${pair.b.port}`,
        DBPROXY_LOG_LEVEL: 'warn',
      }).pid;
      await until('proxy ready with db2 fenced', async () => {
        const r = await fetch(`http://${proxyAdmin}/api/backends`, { headers: { authorization: 'Bearer dev-admin-token' } });
        const b = (await r.json()) as { writer: string; backends: { readOnly: boolean; replicating: boolean }[] };
        return b.writer === 'db1' && b.backends[1]!.readOnly === true && b.backends.every((x) => x.replicating);
      });
    }
    if (targets.includes('haproxy')) await until('haproxy listening', () => canConnect(ports.haproxy), 15_000);

    function conn(t: Target): string[] {
      return [`--mysql-host=127.0.0.1`, `--mysql-port=${ports[t]}`, '--mysql-user=app', '--mysql-password=app', '--mysql-db=shop'];
    }
    const data = [`--tables=${tables}`, `--table-size=${tableSize}`];
    console.log(`preparing ${tables} tables of ${tableSize} rows (straight to db1)…`);
    const prep = sysbench(['oltp_read_write', ...conn('direct'), ...data, 'prepare'], 600_000);
    if (prep.code !== 0) throw new Error(`sysbench prepare failed: ${prep.out}`);
    await pair.waitCaughtUp(120_000);

    // warm-up: buffer pools of both servers, proxy pools and JIT
    for (const t of targets) sysbench(['oltp_read_only', ...conn(t), ...data, `--threads=${threads}`, '--time=3', '--skip_trx=on', 'run'], 60_000);

    const runs: Run[] = [];
    function measure(workload: string, psMode: 'disable' | 'auto', skipTrx: boolean, target: Target) {
      return {
        run(): Run {
          const r = sysbench(
            [
              workload,
              ...conn(target),
              ...data,
              `--threads=${threads}`,
              `--time=${seconds}`,
              `--db-ps-mode=${psMode}`,
              `--skip_trx=${skipTrx ? 'on' : 'off'}`,
              '--percentile=95',
              // sysbench's own races (DELETE+INSERT of one id without a transaction; deadlocks) are counted, not fatal
              '--mysql-ignore-errors=1062,1213,1205,1020',
              'run',
            ],
            (seconds + 60) * 1000,
          );
          if (r.code !== 0) console.error(`${workload} ${target} ps=${psMode} skip_trx=${skipTrx} failed:\n${r.out.slice(-1500)}`);
          return {
            workload,
            psMode,
            skipTrx,
            target,
            tps: num(r.out, /transactions:\s+\d+\s+\((\d+(?:\.\d+)?) per sec/),
            qps: num(r.out, /queries:\s+\d+\s+\((\d+(?:\.\d+)?) per sec/),
            p95ms: num(r.out, /95th percentile:\s+(\d+(?:\.\d+)?)/),
            errors: r.code === 0 ? 0 : 1,
            ignoredErrors: num(r.out, /ignored errors:\s+(\d+)/),
          };
        },
      };
    }
    for (const workload of workloads) {
      for (const skipTrx of [false, true]) {
        for (const psMode of ['disable', 'auto'] as const) {
          const samples = new Map<Target, Run[]>();
          for (let round = 0; round < rounds; round++) {
            for (const target of targets) {
              // every measurement starts from a caught-up pair (after write-heavy runs db2 may still be applying
              // a backlog, and a reader lagging beyond DBPROXY_MAX_LAG gets no reads)
              await pair.waitCaughtUp(300_000);
              const row = measure(workload, psMode, skipTrx, target);
              const before = target === 'proxy' ? await proxyCounts(proxyAdmin) : undefined;
              const cpuBefore = cpuSeconds(pids[target]);
              const r = row.run();
              const cpuAfter = cpuSeconds(pids[target]);
              const queries = r.qps * seconds;
              if (!Number.isNaN(cpuAfter.user)) {
                r.userUsPerQuery = ((cpuAfter.user - cpuBefore.user) * 1e6) / queries;
                r.cpuUsPerQuery = ((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) * 1e6) / queries;
              }
              if (before) {
                const after = await proxyCounts(proxyAdmin);
                const reader = after.reader - before.reader;
                const writer = after.writer - before.writer;
                r.readerShare = reader + writer > 0 ? reader / (reader + writer) : 0;
                r.readerLagSeconds = await proxyLag(proxyAdmin);
              }
              samples.set(target, [...(samples.get(target) ?? []), r]);
            }
          }
          for (const target of targets) {
            const list = samples.get(target)!;
            const med = (f: (r: Run) => number) => median(list.map(f));
            const row: Run = {
              workload,
              psMode,
              skipTrx,
              target,
              tps: med((r) => r.tps),
              qps: med((r) => r.qps),
              p95ms: med((r) => r.p95ms),
              errors: list.reduce((a, r) => a + r.errors, 0),
              ignoredErrors: list.reduce((a, r) => a + r.ignoredErrors, 0),
              readerShare: target === 'proxy' ? med((r) => r.readerShare ?? 0) : undefined,
              readerLagSeconds: target === 'proxy' ? Math.max(...list.map((r) => r.readerLagSeconds ?? NaN)) : undefined,
              cpuUsPerQuery: target === 'direct' ? undefined : med((r) => r.cpuUsPerQuery ?? NaN),
              userUsPerQuery: target === 'direct' ? undefined : med((r) => r.userUsPerQuery ?? NaN),
              samples: list.map((r) => r.tps),
            };
            runs.push(row);
            console.log(
              `${workload.padEnd(16)} ps=${psMode.padEnd(7)} skip_trx=${String(skipTrx).padEnd(5)} ${target.padEnd(7)} ` +
                `tps ${row.tps.toFixed(1).padStart(8)}  qps ${row.qps.toFixed(0).padStart(7)}  p95 ${row.p95ms.toFixed(2).padStart(6)} ms` +
                (row.cpuUsPerQuery !== undefined ? `  cpu ${row.cpuUsPerQuery.toFixed(1)} µs/query (user ${row.userUsPerQuery!.toFixed(1)})` : '') +
                (row.readerShare !== undefined ? `  reader share ${(row.readerShare * 100).toFixed(0)}% (lag ${row.readerLagSeconds}s)` : '') +
                (rounds > 1 ? `  (tps samples ${row.samples!.map((x) => x.toFixed(0)).join(', ')})` : ''),
            );
          }
        }
      }
    }

    // ratios against direct
    const table: Record<string, unknown>[] = [];
    for (const r of runs) {
      if (r.target === 'direct') continue;
      const d = runs.find((x) => x.target === 'direct' && x.workload === r.workload && x.psMode === r.psMode && x.skipTrx === r.skipTrx);
      table.push({
        workload: r.workload,
        ps: r.psMode,
        skip_trx: r.skipTrx,
        target: r.target,
        'tps ratio': d ? +(r.tps / d.tps).toFixed(3) : NaN,
        'p95 ratio': d ? +(r.p95ms / d.p95ms).toFixed(3) : NaN,
        'cpu µs/query': r.cpuUsPerQuery === undefined ? '' : +r.cpuUsPerQuery.toFixed(1),
        'reader share': r.readerShare === undefined ? '' : `${(r.readerShare * 100).toFixed(0)}%`,
      });
    }
    console.log('\nratios against direct MariaDB (tps: higher is better; p95: lower is better)');
    console.table(table);
    const goal = runs.filter((r) => r.workload === 'oltp_read_only' && r.target === 'proxy' && r.skipTrx);
    for (const g of goal) {
      const d = runs.find((x) => x.target === 'direct' && x.workload === g.workload && x.psMode === g.psMode && x.skipTrx === g.skipTrx)!;
      console.log(
        `goal (oltp_read_only, skip_trx, ps=${g.psMode}): proxy/direct = ${(g.tps / d.tps).toFixed(3)} (target ≥ 0.9) with ${(g.readerShare! * 100).toFixed(0)}% of reads on the reader`,
      );
    }
    const resultsDir = join(repoRoot, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `db-proxy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          benchmark: 'db-proxy',
          at: new Date().toISOString(),
          machine: { cpus: cpus().length, loadavg: loadavg() },
          settings: { seconds, rounds, threads, tables, tableSize, proxyCore: PROXY_CORE, pinned: 'proxy and haproxy on core 1; sysbench and mariadbd unpinned' },
          runs,
          ratios: table,
        },
        null,
        2,
      ),
    );
    console.log(`\nwrote ${file}`);
  } finally {
    cleanup();
    await pair.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
