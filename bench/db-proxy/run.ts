// db-proxy benchmark: sysbench oltp_read_only and oltp_read_write (8 threads; --db-ps-mode=disable and the
// default prepared statements; with and without --skip_trx) straight to MariaDB (the anchor), through
// HAProxy in TCP mode, and through the db-proxy (which splits reads over both servers of the pair).
// Which process runs on which core is the *topology* (see README.md; default `client-proxy`: both
// mariadbd alone on core 0, sysbench and the proxy or HAProxy on core 1).
//
//   npx tsx bench/db-proxy/run.ts [--time 10] [--threads 8] [--rounds 1] [--targets direct,haproxy,proxy]
//                                 [--workloads oltp_read_only,oltp_read_write] [--table-size 10000]
//                                 [--topology client-proxy[,db-client,db-proxy,free]]
//                                 [--ps disable,auto] [--skip-trx off,on]
//                                 [--pin-db 0] [--pin-client 1] [--pin-proxy 1]
//
// With --rounds N every configuration is measured N times, the targets interleaved (direct, haproxy,
// proxy, direct, …) so that a change in machine load hits all of them; medians are reported. Several
// topologies in one run are interleaved the same way.
//
// Prints, per configuration, tps, qps, p95 latency, CPU per query of the proxy or HAProxy (from
// /proc/<pid>/stat: robust against machine load), of the databases and of sysbench, how busy each core
// was, and the share of reads the reader served through the proxy; then the ratios. JSON goes to
// bench/results/db-proxy-<timestamp>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  arg,
  cleanup,
  connArgs,
  coreBusy,
  coreTimes,
  cpuSeconds,
  median,
  pinProcess,
  proxyCounts,
  proxyLag,
  repoRoot,
  requireBinaries,
  startHaproxy,
  startPipe,
  startPair,
  startProxy,
  sysbench,
  topology,
  type Topology,
} from './harness.js';

type Target = 'direct' | 'haproxy' | 'proxy' | 'pipe' | 'pipe-onread';
type PsMode = 'disable' | 'auto';

const seconds = Number(arg('time', '10'));
const rounds = Math.max(1, Number(arg('rounds', '1')));
const threads = Number(arg('threads', '8'));
const tableSize = Number(arg('table-size', '10000'));
const tables = 4;
const targets = arg('targets', 'direct,haproxy,proxy').split(',') as Target[];
const workloads = arg('workloads', 'oltp_read_only,oltp_read_write').split(',');
const psModes = arg('ps', 'disable,auto').split(',') as PsMode[];
const skipTrxModes = arg('skip-trx', 'off,on')
  .split(',')
  .map((s) => s === 'on' || s === 'true');
const topologies: Topology[] = arg('topology', 'client-proxy').split(',').map(topology);

interface Run {
  topology: string;
  workload: string;
  psMode: PsMode;
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
  /** CPU of both mariadbd per query (µs). */
  dbUsPerQuery: number;
  /** CPU of sysbench per query (µs). */
  clientUsPerQuery: number;
  /** How busy each core was during the run (%). */
  coreBusy: number[];
  /** Through the proxy: the reader's Seconds_Behind_Master at the end of the run. */
  readerLagSeconds?: number;
}

async function main(): Promise<void> {
  requireBinaries(['sysbench', 'mariadbd', 'taskset', ...(targets.includes('haproxy') ? ['haproxy'] : [])]);
  console.log('starting a MariaDB master-master pair (semi-sync AFTER_SYNC, timeout 1 s)…');
  const pair = await startPair();
  const first = topologies[0]!;
  for (const pid of [pair.a.pid, pair.b.pid]) pinProcess(pid, first.db);
  const ports: Record<Target, number> = { direct: pair.a.port, haproxy: 0, proxy: 0, pipe: 0, 'pipe-onread': 0 };
  const pids: Partial<Record<Target, number>> = {};
  let proxyAdmin = '';
  try {
    if (targets.includes('haproxy')) {
      const h = await startHaproxy(pair, first.proxy);
      ports.haproxy = h.port;
      pids.haproxy = h.pid;
    }
    for (const mode of ['pipe', 'pipe-onread'] as const) {
      if (!targets.includes(mode)) continue;
      const p = await startPipe(pair, first.proxy, mode === 'pipe' ? 'data' : 'onread');
      ports[mode] = p.port;
      pids[mode] = p.pid;
    }
    if (targets.includes('proxy')) {
      const p = await startProxy(pair, first.proxy);
      ports.proxy = p.port;
      pids.proxy = p.pid;
      proxyAdmin = p.admin;
    }
    const usePins = (t: Topology) => {
      for (const pid of [pair.a.pid, pair.b.pid]) pinProcess(pid, t.db);
      for (const target of targets) if (target !== 'direct') pinProcess(pids[target], t.proxy);
    };

    const data = [`--tables=${tables}`, `--table-size=${tableSize}`];
    console.log(`preparing ${tables} tables of ${tableSize} rows (straight to db1)…`);
    const prep = sysbench('none', ['oltp_read_write', ...connArgs(ports.direct), ...data, 'prepare'], 600_000);
    if (prep.code !== 0) throw new Error(`sysbench prepare failed: ${prep.out}`);
    await pair.waitCaughtUp(120_000);

    // warm-up: buffer pools of both servers, proxy pools and JIT
    for (const t of targets) {
      sysbench(first.client, ['oltp_read_only', ...connArgs(ports[t]), ...data, `--threads=${threads}`, '--time=3', '--skip_trx=on', 'run'], 60_000);
    }

    async function measureOne(t: Topology, workload: string, psMode: PsMode, skipTrx: boolean, target: Target): Promise<Run> {
      // every measurement starts from a caught-up pair (after write-heavy runs db2 may still be applying
      // a backlog, and a reader lagging beyond DBPROXY_MAX_LAG gets no reads)
      await pair.waitCaughtUp(300_000);
      usePins(t);
      const before = target === 'proxy' ? await proxyCounts(proxyAdmin) : undefined;
      const cpuBefore = cpuSeconds(pids[target]);
      const dbBefore = [cpuSeconds(pair.a.pid), cpuSeconds(pair.b.pid)];
      const coresBefore = coreTimes();
      const r = sysbench(
        t.client,
        [
          workload,
          ...connArgs(ports[target]),
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
      const busy = coreBusy(coresBefore, coreTimes());
      const cpuAfter = cpuSeconds(pids[target]);
      const dbAfter = [cpuSeconds(pair.a.pid), cpuSeconds(pair.b.pid)];
      if (r.code !== 0) console.error(`${workload} ${target} ps=${psMode} skip_trx=${skipTrx} failed:\n${r.out.slice(-1500)}`);
      const queries = r.qps * seconds;
      const dbCpu = dbAfter.reduce((a, x, i) => a + x.user + x.system - dbBefore[i]!.user - dbBefore[i]!.system, 0);
      const run: Run = {
        topology: t.name,
        workload,
        psMode,
        skipTrx,
        target,
        tps: r.tps,
        qps: r.qps,
        p95ms: r.p95ms,
        errors: r.code === 0 ? 0 : 1,
        ignoredErrors: r.ignoredErrors,
        dbUsPerQuery: (dbCpu * 1e6) / queries,
        clientUsPerQuery: (r.cpu * 1e6) / queries,
        coreBusy: busy.map((b) => Math.round(b * 100)),
      };
      if (!Number.isNaN(cpuAfter.user)) {
        run.userUsPerQuery = ((cpuAfter.user - cpuBefore.user) * 1e6) / queries;
        run.cpuUsPerQuery = ((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) * 1e6) / queries;
      }
      if (before) {
        const after = await proxyCounts(proxyAdmin);
        const reader = after.reader - before.reader;
        const writer = after.writer - before.writer;
        run.readerShare = reader + writer > 0 ? reader / (reader + writer) : 0;
        run.readerLagSeconds = await proxyLag(proxyAdmin);
      }
      return run;
    }

    const runs: Run[] = [];
    for (const workload of workloads) {
      for (const skipTrx of skipTrxModes) {
        for (const psMode of psModes) {
          const samples = new Map<string, Run[]>();
          for (let round = 0; round < rounds; round++) {
            for (const t of topologies) {
              for (const target of targets) {
                const r = await measureOne(t, workload, psMode, skipTrx, target);
                samples.set(`${t.name}/${target}`, [...(samples.get(`${t.name}/${target}`) ?? []), r]);
              }
            }
          }
          for (const t of topologies) {
            for (const target of targets) {
              const list = samples.get(`${t.name}/${target}`)!;
              const med = (f: (r: Run) => number) => median(list.map(f));
              const row: Run = {
                topology: t.name,
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
                dbUsPerQuery: med((r) => r.dbUsPerQuery),
                clientUsPerQuery: med((r) => r.clientUsPerQuery),
                coreBusy: list[0]!.coreBusy.map((_, i) => med((r) => r.coreBusy[i]!)),
                samples: list.map((r) => r.tps),
              };
              runs.push(row);
              console.log(
                `${topologies.length > 1 ? t.name.padEnd(13) : ''}${workload.padEnd(16)} ps=${psMode.padEnd(7)} skip_trx=${String(skipTrx).padEnd(5)} ${target.padEnd(7)} ` +
                  `tps ${row.tps.toFixed(1).padStart(7)}  qps ${row.qps.toFixed(0).padStart(6)}  p95 ${row.p95ms.toFixed(2).padStart(6)} ms` +
                  `  cores ${row.coreBusy.map((b) => `${b.toFixed(0)}%`).join('/')}  µs/q db ${row.dbUsPerQuery.toFixed(0)} sysbench ${row.clientUsPerQuery.toFixed(0)}` +
                  (row.cpuUsPerQuery !== undefined ? ` ${target} ${row.cpuUsPerQuery.toFixed(1)} (user ${row.userUsPerQuery!.toFixed(1)})` : '') +
                  (row.readerShare !== undefined ? `  reader share ${(row.readerShare * 100).toFixed(0)}% (lag ${row.readerLagSeconds}s)` : '') +
                  (rounds > 1 ? `  (tps samples ${row.samples!.map((x) => x.toFixed(0)).join(', ')})` : ''),
              );
            }
          }
        }
      }
    }

    // ratios against direct (and against HAProxy for the proxy)
    const table: Record<string, unknown>[] = [];
    const same = (a: Run, b: Run) => a.topology === b.topology && a.workload === b.workload && a.psMode === b.psMode && a.skipTrx === b.skipTrx;
    for (const r of runs) {
      if (r.target === 'direct') continue;
      const d = runs.find((x) => x.target === 'direct' && same(x, r));
      const h = r.target === 'proxy' ? runs.find((x) => x.target === 'haproxy' && same(x, r)) : undefined;
      table.push({
        ...(topologies.length > 1 ? { topology: r.topology } : {}),
        workload: r.workload,
        ps: r.psMode,
        skip_trx: r.skipTrx,
        target: r.target,
        'tps/direct': d ? +(r.tps / d.tps).toFixed(3) : NaN,
        'tps/haproxy': h ? +(r.tps / h.tps).toFixed(3) : '',
        'p95/direct': d ? +(r.p95ms / d.p95ms).toFixed(3) : NaN,
        'cpu µs/query': r.cpuUsPerQuery === undefined ? '' : +r.cpuUsPerQuery.toFixed(1),
        'reader share': r.readerShare === undefined ? '' : `${(r.readerShare * 100).toFixed(0)}%`,
      });
    }
    console.log('\nratios (tps: higher is better; p95: lower is better)');
    console.table(table);
    for (const g of runs.filter((r) => r.workload === 'oltp_read_only' && r.target === 'proxy' && r.skipTrx)) {
      const d = runs.find((x) => x.target === 'direct' && same(x, g));
      if (!d) continue;
      console.log(
        `goal (${g.topology}, oltp_read_only, skip_trx, ps=${g.psMode}): proxy/direct = ${(g.tps / d.tps).toFixed(3)} (target ≥ 0.9) with ${(g.readerShare! * 100).toFixed(0)}% of reads on the reader`,
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
          settings: { seconds, rounds, threads, tables, tableSize, topologies },
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
