// Where the db-proxy spends its CPU under sysbench: CPU µs per query from /proc/<pid>/stat (user and
// system) for each prepared-statement mode, then the same load against a proxy started with
// `node --cpu-prof`, whose profile is summarised as self time per function and per file, in µs per query.
//
//   npx tsx bench/db-proxy/profile.ts [--time 15] [--ps disable,auto] [--skip-trx on] [--workload oltp_read_only]
//                                     [--threads 8] [--rounds 1] [--top 30] [--no-prof] [--keep <dir>]
//                                     [--topology client-proxy] [--perf] [--syscalls]
//                                     [--targets proxy[,haproxy,pipe,pipe-onread]]
//   npx tsx bench/db-proxy/profile.ts --summary <file.cpuprofile> [--queries N] [--top 30]
//
// --targets measures HAProxy and a plain Node relay (node-pipe.ts) the same way, for comparison;
// --syscalls counts system calls per query (perf stat on syscall tracepoints).
// With --perf, a third pass records the proxy with `perf record -e cpu-clock` (kernel and native code
// included, JIT frames named through --perf-basic-prof) and prints CPU per query by object and symbol.
// The profiled run costs more CPU than a plain one (sampling); compare the shares, and the µs/query of the
// unprofiled runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  arg,
  cleanup,
  connArgs,
  cpuSeconds,
  flag,
  median,
  pinProcess,
  proxyCounts,
  requireBinaries,
  startPair,
  startHaproxy,
  startPipe,
  startProxy,
  stopChild,
  sysbench,
  topology,
} from './harness.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** CLOCK_MONOTONIC in µs: the clock of V8's profile timestamps on Linux. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Self time per function and per file of a V8 CPU profile, printed in µs per query when `queries` is
 * known; with `window` (CLOCK_MONOTONIC µs) only the samples taken inside it count.
 */
export function summarise(file: string, queries: number, top: number, window?: [number, number]): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    at += dt;
    if (window && (at < window[0] || at > window[1])) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const where = (url: string) =>
    url
      .replace(/^file:\/\/.*?\/(apps|libs)\//, '$1/')
      .replace(/^file:\/\/.*\/node_modules\//, '')
      .replace(/^node:/, '');
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = nodes.get(id)!;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idle += us;
      continue;
    }
    const file = where(n.callFrame.url) || `(${fn.replace(/[()]/g, '')})`;
    const k = `${fn}  ${file}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    byFn.set(k, (byFn.get(k) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const busy = total - idle;
  const unit = queries > 0 ? 'µs/query' : 'ms';
  const scale = (us: number) => (queries > 0 ? us / queries : us / 1000);
  console.log(`\n${file}: ${(busy / 1000).toFixed(0)} ms on the JS thread (+ ${(idle / 1000).toFixed(0)} ms idle)` + (queries > 0 ? `, ${scale(busy).toFixed(1)} µs/query` : ''));
  const print = (title: string, m: Map<string, number>) => {
    console.log(`  ${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${scale(us).toFixed(2).padStart(7)} ${unit}  ${k}`);
    }
  };
  print('self time by function', byFn);
  print('self time by file', byFile);
}

/** `perf report` of a recording, as shares and µs per query (the recording samples cpu-clock at 4 kHz). */
function perfReport(data: string, usPerQuery: number, sort: string[], top: number): void {
  const r = spawnSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', sort.join(','), '-F', `overhead,sample,${sort.join(',')}`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const rows = r.stdout
    .split('\n')
    .map((l) => /^\s+([\d.]+)%\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[2]) - Number(a[2]))
    .slice(0, top);
  console.log(`  by ${sort.join(', ')}`);
  for (const m of rows) {
    // shares of the samples, scaled to the CPU per query measured from /proc over the same window
    const us = (Number(m[1]) / 100) * usPerQuery;
    console.log(`  ${m[1]!.padStart(6)}%  ${us.toFixed(2).padStart(7)} µs/query  ${m[3]!.replace(/\s+/g, ' ').slice(0, 150)}`);
  }
}

async function main(): Promise<void> {
  const top = Number(arg('top', '30'));
  const summaryOf = arg('summary', '');
  if (summaryOf) {
    summarise(summaryOf, Number(arg('queries', '0')), top);
    return;
  }
  requireBinaries(['sysbench', 'mariadbd', 'taskset']);
  const seconds = Number(arg('time', '15'));
  const threads = Number(arg('threads', '8'));
  const rounds = Math.max(1, Number(arg('rounds', '1')));
  const workload = arg('workload', 'oltp_read_only');
  const psModes = arg('ps', 'disable,auto').split(',');
  const skipTrx = arg('skip-trx', 'on') === 'on';
  const t = topology(arg('topology', 'client-proxy'));
  const keep = arg('keep', '');
  const profDir = keep || mkdtempSync(join(tmpdir(), 'bench-dbproxy-prof-'));
  mkdirSync(profDir, { recursive: true });

  console.log('starting a MariaDB master-master pair…');
  const pair = await startPair();
  for (const pid of [pair.a.pid, pair.b.pid]) pinProcess(pid, t.db);
  try {
    const data = ['--tables=4', '--table-size=10000'];
    const prep = sysbench('none', ['oltp_read_write', ...connArgs(pair.a.port), ...data, 'prepare'], 600_000);
    if (prep.code !== 0) throw new Error(`sysbench prepare failed: ${prep.out}`);
    await pair.waitCaughtUp(120_000);
    const load = (port: number, psMode: string, time: number) =>
      sysbench(
        t.client,
        [
          workload,
          ...connArgs(port),
          ...data,
          `--threads=${threads}`,
          `--time=${time}`,
          `--db-ps-mode=${psMode}`,
          `--skip_trx=${skipTrx ? 'on' : 'off'}`,
          '--mysql-ignore-errors=1062,1213,1205,1020',
          'run',
        ],
        (time + 60) * 1000,
      );

    // 1. CPU per query (and with --syscalls, system calls per query) of each target, unprofiled
    const syscallEvents = ['raw_syscalls:sys_enter', ...['read', 'write', 'writev', 'recvfrom', 'sendto', 'epoll_wait', 'epoll_pwait', 'epoll_ctl'].map((s) => `syscalls:sys_enter_${s}`)];
    for (const target of arg('targets', 'proxy').split(',')) {
      const started =
        target === 'haproxy'
          ? await startHaproxy(pair, t.proxy)
          : target === 'pipe' || target === 'pipe-onread'
            ? await startPipe(pair, t.proxy, target === 'pipe' ? 'data' : 'onread')
            : await startProxy(pair, t.proxy);
      const admin = 'admin' in started ? (started.admin as string) : undefined;
      load(started.port, 'disable', 3);
      for (const psMode of psModes) {
        const samples: { cpu: number; user: number; qps: number; reader: number; calls: Map<string, number> }[] = [];
        for (let i = 0; i < rounds; i++) {
          await pair.waitCaughtUp(120_000);
          const c0 = cpuSeconds(started.pid);
          const q0 = admin ? await proxyCounts(admin) : undefined;
          const stat = flag('syscalls')
            ? spawn('perf', ['stat', '-x', ',', ...syscallEvents.flatMap((e) => ['-e', e]), '-p', String(started.pid), '--', 'sleep', String(seconds)], {
                stdio: ['ignore', 'ignore', 'pipe'],
              })
            : undefined;
          let statOut = '';
          stat?.stderr?.on('data', (d: Buffer) => (statOut += d.toString()));
          const r = load(started.port, psMode, seconds);
          const c1 = cpuSeconds(started.pid);
          const q1 = admin ? await proxyCounts(admin) : undefined;
          if (stat) await new Promise((res) => (stat.exitCode !== null ? res(undefined) : stat.once('exit', res)));
          const queries = r.qps * seconds;
          const calls = new Map<string, number>();
          for (const line of statOut.split('\n')) {
            const f = line.split(',');
            if (f.length > 3 && /^\d+$/.test(f[0]!) && Number(f[0]) > 0) calls.set(f[2]!.replace(/^.*sys_enter_?/, '') || 'all', Number(f[0]) / queries);
          }
          const reads = q0 && q1 ? q1.reader - q0.reader : 0;
          samples.push({
            cpu: ((c1.user + c1.system - c0.user - c0.system) * 1e6) / queries,
            user: ((c1.user - c0.user) * 1e6) / queries,
            qps: r.qps,
            reader: q0 && q1 ? reads / (reads + q1.writer - q0.writer) : NaN,
            calls,
          });
        }
        const med = (f: (s: (typeof samples)[number]) => number) => median(samples.map(f));
        const calls = [...(samples[0]!.calls.keys() ?? [])].map((k) => `${k} ${med((s) => s.calls.get(k) ?? NaN).toFixed(2)}`).join(', ');
        console.log(
          `${target.padEnd(8)} ${workload} ps=${psMode} skip_trx=${skipTrx}: cpu ${med((s) => s.cpu).toFixed(1)} µs/query (user ${med((s) => s.user).toFixed(1)}, system ${(med((s) => s.cpu) - med((s) => s.user)).toFixed(1)})  qps ${med((s) => s.qps).toFixed(0)}` +
            (admin ? `  reader share ${(med((s) => s.reader) * 100).toFixed(0)}%` : '') +
            (rounds > 1 ? `  samples ${samples.map((s) => s.cpu.toFixed(1)).join(', ')}` : '') +
            (calls ? `\n         system calls per query: ${calls}` : ''),
        );
      }
      await stopChild(started.child);
    }
    // 2. profiled proxy, one per mode (skipped with --no-prof)
    for (const psMode of flag('no-prof') ? [] : psModes) {
      const dir = join(profDir, psMode);
      const prof = await startProxy(pair, t.proxy, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      load(prof.port, psMode, 3);
      await pair.waitCaughtUp(120_000);
      const from = monoUs();
      const r = load(prof.port, psMode, seconds);
      const to = monoUs();
      await stopChild(prof.child);
      const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      const queries = Math.round(r.qps * seconds);
      console.log(`\n=== ps=${psMode}: ${queries} queries in the profiled window (${r.qps.toFixed(0)} qps under the profiler)`);
      for (const f of files) summarise(join(dir, f), queries, top, [from, to]);
    }
    // 3. with --perf: where the proxy's CPU goes, kernel included (perf sampling cpu-clock; JIT frames named
    // through --perf-basic-prof)
    if (flag('perf')) {
      for (const psMode of psModes) {
        const prof = await startProxy(pair, t.proxy, ['--perf-basic-prof']);
        load(prof.port, psMode, 3);
        await pair.waitCaughtUp(120_000);
        const data = join(profDir, `perf-${psMode}.data`);
        const c0 = cpuSeconds(prof.pid);
        const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '4000', '-p', String(prof.pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
        const r = load(prof.port, psMode, seconds);
        const c1 = cpuSeconds(prof.pid);
        await new Promise((res) => (rec.exitCode !== null ? res(undefined) : rec.once('exit', res)));
        await stopChild(prof.child);
        const queries = r.qps * seconds;
        const usPerQuery = ((c1.user + c1.system - c0.user - c0.system) * 1e6) / queries;
        console.log(`\n=== perf, ps=${psMode}: ${queries.toFixed(0)} queries (${r.qps.toFixed(0)} qps), ${usPerQuery.toFixed(1)} µs/query`);
        perfReport(data, usPerQuery, ['dso'], 12);
        perfReport(data, usPerQuery, ['dso', 'sym'], top);
      }
    }
    if (keep) console.log(`\nprofiles kept in ${profDir}`);
  } finally {
    cleanup();
    await pair.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
