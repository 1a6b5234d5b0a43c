// query-cache benchmark: sysbench point SELECTs by primary key (text protocol, autocommit) with 0% and
// 10% single-row UPDATEs (point-mix.lua), against
//   direct       MariaDB db1, query cache off (the anchor)
//   direct-qc    MariaDB db1 of a second pair started with query_cache_type=ON, query_cache_size=64M
//   proxy        the db-proxy in front of the first pair (reads split over db1 and db2), no result cache
//   proxy-cache  the same with DBPROXY_RESULT_CACHE_RULES matching the SELECT (TTL 10 s)
// Both mariadbd of each pair on core 0, sysbench and the proxy on core 1 (bench/db-proxy's client-proxy
// topology). Targets are interleaved per round; medians over rounds are reported with ratios to direct.
//
//   npx tsx bench/query-cache/run.ts [--time 10] [--threads 8] [--rounds 1] [--tables 4] [--table-size 10000]
//                                    [--mixes 0,10] [--targets direct,direct-qc,proxy,proxy-cache]
//
// JSON goes to bench/results/query-cache-<timestamp>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, cleanup, connArgs, cpuSeconds, median, pinProcess, repoRoot, requireBinaries, startProxy, stopChild, sysbench, type Pair } from '../db-proxy/harness.js';

type Target = 'direct' | 'direct-qc' | 'proxy' | 'proxy-cache';

const seconds = Number(arg('time', '10'));
const rounds = Math.max(1, Number(arg('rounds', '1')));
const threads = Number(arg('threads', '8'));
const tables = Number(arg('tables', '4'));
const tableSize = Number(arg('table-size', '10000'));
const mixes = arg('mixes', '0,10').split(',').map(Number);
const targets = arg('targets', 'direct,direct-qc,proxy,proxy-cache').split(',') as Target[];
const script = fileURLToPath(new URL('./point-mix.lua', import.meta.url));
const RULES = JSON.stringify([{ name: 'point', regex: '^SELECT c FROM sbtest\\d+ WHERE id=', ttl: '10s' }]);

interface Run {
  target: Target;
  writePct: number;
  qps: number;
  p99ms: number;
  errors: number;
  /** CPU seconds per 1000 queries of the proxy (proxy targets) or of db1+db2. */
  proxyCpuPerKq: number;
  dbCpuPerKq: number;
  /** Result-cache hit ratio (proxy-cache) or Qcache hit ratio (direct-qc). */
  hitRatio: number;
}

async function startPairWith(queryCache: { type: 'ON'; sizeBytes: number } | undefined): Promise<Pair> {
  const testingName = '@scaleout/testing';
  const testing = (await import(testingName)) as { startMariadbPair(options: Record<string, unknown>): Promise<Pair> };
  const pair = await testing.startMariadbPair({ admin: { user: 'scaleout', password: 'scaleout' }, semiSync: { timeoutMs: 1000 }, queryCache });
  pinProcess(pair.a.pid, '0');
  pinProcess(pair.b.pid, '0');
  return pair;
}

function bench(port: number, writePct: number): ReturnType<typeof sysbench> & { p99ms: number } {
  const r = sysbench(
    '1',
    [script, ...connArgs(port), `--tables=${tables}`, `--table-size=${tableSize}`, `--threads=${threads}`, `--time=${seconds}`, `--write-pct=${writePct}`, '--percentile=99', '--mysql-ignore-errors=all', 'run'],
    (seconds + 60) * 1000,
  );
  if (r.code !== 0) throw new Error(`sysbench failed: ${r.out.slice(-2000)}`);
  const m = /99th percentile:\s+(\d+(?:\.\d+)?)/.exec(r.out);
  return { ...r, p99ms: m ? Number(m[1]) : NaN };
}

async function metricSum(admin: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && m[1] === name) n += Number(m[2]);
  }
  return n;
}

async function qcacheStatus(pair: Pair): Promise<{ hits: number; inserts: number; notCached: number }> {
  const mysqlName = 'mysql2/promise';
  const mysql = (await import(mysqlName)) as { default: { createConnection(o: Record<string, unknown>): Promise<{ query(sql: string): Promise<[{ Variable_name: string; Value: string }[]]>; end(): Promise<void> }> } };
  const c = await mysql.default.createConnection({ host: pair.a.host, port: pair.a.port, user: 'app', password: 'app' });
  const [rows] = await c.query("SHOW GLOBAL STATUS LIKE 'Qcache_%'");
  await c.end();
  const v = Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
  return { hits: v.Qcache_hits ?? 0, inserts: v.Qcache_inserts ?? 0, notCached: v.Qcache_not_cached ?? 0 };
}

function dbCpu(pair: Pair): number {
  const a = cpuSeconds(pair.a.pid);
  const b = cpuSeconds(pair.b.pid);
  return a.user + a.system + b.user + b.system;
}

async function measure(target: Target, writePct: number, plain: Pair, qc: Pair): Promise<Run> {
  const pair = target === 'direct-qc' ? qc : plain;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  if (target === 'proxy' || target === 'proxy-cache') {
    proxy = await startProxy(pair, '1', process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [], target === 'proxy-cache' ? { DBPROXY_RESULT_CACHE_RULES: RULES } : {});
  }
  try {
    const port = proxy?.port ?? pair.a.port;
    const qc0 = target === 'direct-qc' ? await qcacheStatus(pair) : undefined;
    const hits0 = proxy ? await metricSum(proxy.admin, 'scaleout_db_proxy_result_cache_hits_total') : 0;
    const miss0 = proxy ? await metricSum(proxy.admin, 'scaleout_db_proxy_result_cache_misses_total') : 0;
    const db0 = dbCpu(pair);
    const p0 = proxy ? cpuSeconds(proxy.pid) : { user: 0, system: 0 };
    const r = bench(port, writePct);
    const db1 = dbCpu(pair);
    const p1 = proxy ? cpuSeconds(proxy.pid) : { user: 0, system: 0 };
    const total = r.qps * seconds;
    let hitRatio = NaN;
    if (qc0) {
      const q = await qcacheStatus(pair);
      const h = q.hits - qc0.hits;
      hitRatio = h / (h + (q.inserts - qc0.inserts) + (q.notCached - qc0.notCached));
    } else if (target === 'proxy-cache' && proxy) {
      const h = (await metricSum(proxy.admin, 'scaleout_db_proxy_result_cache_hits_total')) - hits0;
      const m = (await metricSum(proxy.admin, 'scaleout_db_proxy_result_cache_misses_total')) - miss0;
      hitRatio = h / (h + m);
    }
    return {
      target,
      writePct,
      qps: r.qps,
      p99ms: r.p99ms,
      errors: r.ignoredErrors,
      proxyCpuPerKq: proxy ? ((p1.user + p1.system - p0.user - p0.system) / total) * 1000 : NaN,
      dbCpuPerKq: ((db1 - db0) / total) * 1000,
      hitRatio,
    };
  } finally {
    if (proxy) await stopChild(proxy.child);
  }
}

async function main(): Promise<void> {
  requireBinaries(['sysbench', 'taskset', 'mariadbd']);
  console.log(`query-cache: ${threads} threads, ${seconds}s per run, ${rounds} round(s), ${tables}×${tableSize} rows, write mixes ${mixes.join('/')}%`);
  const [plain, qc] = await Promise.all([startPairWith(undefined), startPairWith({ type: 'ON', sizeBytes: 64 * 1024 * 1024 })]);
  try {
    for (const pair of [plain, qc]) {
      const prep = sysbench('1', [script, ...connArgs(pair.a.port), `--tables=${tables}`, `--table-size=${tableSize}`, 'prepare'], 300_000);
      if (prep.code !== 0) throw new Error(`prepare failed: ${prep.out.slice(-2000)}`);
      await pair.waitCaughtUp(60_000);
    }
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const writePct of mixes) {
        for (const target of targets) {
          const r = await measure(target, writePct, plain, qc);
          runs.push(r);
          console.log(`  round ${round + 1} ${String(writePct).padStart(2)}% writes ${target.padEnd(12)} ${r.qps.toFixed(0).padStart(7)} q/s  p99 ${r.p99ms.toFixed(2)} ms`);
        }
      }
    }
    const rows: (Run & { ratio: number })[] = [];
    for (const writePct of mixes) {
      const med = (t: Target, k: keyof Run) => median(runs.filter((r) => r.target === t && r.writePct === writePct).map((r) => r[k] as number));
      const anchor = med('direct', 'qps');
      for (const target of targets) {
        const keys = ['qps', 'p99ms', 'errors', 'proxyCpuPerKq', 'dbCpuPerKq', 'hitRatio'] as const;
        const m = Object.fromEntries(keys.map((k) => [k, med(target, k)])) as Pick<Run, (typeof keys)[number]>;
        rows.push({ target, writePct, ...m, ratio: m.qps / anchor });
      }
    }
    console.log('\n| writes | target | queries/s | × direct | p99 ms | hit ratio | proxy CPU ms/1k q | db CPU ms/1k q | errors |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    const f = (x: number, d: number) => (Number.isNaN(x) ? '—' : x.toFixed(d));
    for (const r of rows) {
      console.log(`| ${r.writePct}% | ${r.target} | ${f(r.qps, 0)} | ${f(r.ratio, 2)} | ${f(r.p99ms, 2)} | ${f(r.hitRatio, 2)} | ${f(r.proxyCpuPerKq * 1000, 1)} | ${f(r.dbCpuPerKq * 1000, 1)} | ${f(r.errors, 0)} |`);
    }
    const dir = join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `query-cache-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine: { cpus: cpus().map((c) => c.model), loadavg: loadavg() }, options: { seconds, rounds, threads, tables, tableSize, mixes }, runs, summary: rows }, null, 2));
    console.log(`\nJSON: ${file}`);
  } finally {
    await Promise.all([plain.stop(), qc.stop()]);
    cleanup();
  }
}

await main();
