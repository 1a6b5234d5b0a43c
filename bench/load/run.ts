// bench/load: the load generator's own ceiling and timing error, with wrk and autocannon as anchors.
// nginx (one worker, a small static file) is pinned to core 0; each generator in turn runs pinned to
// core 1 with one thread: `@scaleout/load` (closed model, N connections), `wrk -t1`, `autocannon -w 0`.
// Then, at a fixed rate below every ceiling, our open-model p99 against bench/lb/rate-load.ts (a
// wrk2-style constant-rate generator: latency from the scheduled send time), same connections.
// Run: npx tsx bench/load/run.ts   Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_ROUNDS (3),
// BENCH_RATE (the fixed rate; default 25% of the lowest median ceiling, at most 10000/s).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from '@scaleout/infra';
import { startNginx } from '@scaleout/testing';
import { parseWrk } from '../lb/wrk-output.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** Lateness (p99, ms) above which a generator measured its own saturation (the limit of @scaleout/load). */
const LATE_LIMIT_MS = 10;

interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  lateP99Ms?: number;
  valid?: boolean;
}

const tsx = (script: string, args: string[]) =>
  execFileSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', join(here, script), ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 24 });
const lastJson = <T>(out: string) => JSON.parse(out.trim().split('\n').pop()!) as T;

function ours(url: string, seconds: number): Sample {
  return lastJson<Sample>(tsx('ours.ts', ['closed', url, String(CONNS), String(seconds)]));
}

function wrk(url: string, seconds: number): Sample {
  return parseWrk(execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNS}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' }));
}

function autocannon(url: string, seconds: number): Sample {
  const bin = join(root, 'node_modules/autocannon/autocannon.js');
  const out = execFileSync('taskset', ['-c', '1', process.execPath, bin, '-c', String(CONNS), '-d', String(seconds), '-w', '0', '-j', url], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const j = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; timeouts: number };
  return { rps: j.requests.average, p50Ms: j.latency.p50, p99Ms: j.latency.p99, errors: j.errors + j.non2xx + j.timeouts };
}

interface RateSample {
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  lateP99Ms: number;
}

function oursAtRate(url: string, rate: number, seconds: number): RateSample {
  const r = lastJson<Sample & { rps: number }>(tsx('ours.ts', ['open', url, String(rate), String(seconds), String(CONNS)]));
  return { achievedRps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, lateP99Ms: r.lateP99Ms ?? NaN };
}

function wrk2Style(port: number, rate: number, seconds: number): RateSample {
  const out = execFileSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', join(root, 'bench/lb/rate-load.ts'), '127.0.0.1', String(port), String(rate), String(seconds), String(CONNS), '/'], {
    encoding: 'utf8',
    cwd: root,
  });
  const r = lastJson<{ achievedRps: number; p50Ms: number; p99Ms: number; errors: number; generatorLagP99Ms: number }>(out);
  return { achievedRps: r.achievedRps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, lateP99Ms: r.generatorLagP99Ms };
}

const median = (xs: number[]) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)]! : NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  requireBinary('wrk');
  requireBinary('taskset', 'util-linux');
  const nginx = await startNginx({ cpus: '0', body: 'hello from nginx\n' });
  const url = nginx.url;
  try {
    const tools: Array<[string, (u: string, s: number) => Sample]> = [
      ['ours', ours],
      ['wrk', wrk],
      ['autocannon', autocannon],
    ];
    for (const [, f] of tools) f(url, 2); // warm-up
    const rounds: Array<Record<string, Sample>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sample: Record<string, Sample> = {};
      for (let k = 0; k < tools.length; k++) {
        const [name, f] = tools[(k + round) % tools.length]!;
        const s = f(url, SECONDS);
        sample[name] = s;
        console.log(`round ${round + 1} ${name.padEnd(10)} ${s.rps.toFixed(0).padStart(8)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  errors ${s.errors}`);
      }
      rounds.push(sample);
    }
    const ceiling = Object.fromEntries(tools.map(([name]) => [name, median(rounds.map((r) => r[name]!.rps))]));
    const perRound = (a: string, b: string) => r2(median(rounds.map((r) => r[a]!.rps / r[b]!.rps)));
    const ratios = { oursVsWrk: perRound('ours', 'wrk'), oursVsAutocannon: perRound('ours', 'autocannon') };
    console.log(`\nceiling (median req/s, one core, ${CONNS} connections): ours ${ceiling.ours!.toFixed(0)}, wrk ${ceiling.wrk!.toFixed(0)}, autocannon ${ceiling.autocannon!.toFixed(0)}`);
    console.log(`ratios: ours/wrk ${ratios.oursVsWrk}  ours/autocannon ${ratios.oursVsAutocannon}   (goal ours/wrk >= 0.5)`);

    const rate = Number(process.env.BENCH_RATE ?? Math.min(10_000, Math.round((0.25 * Math.min(...Object.values(ceiling))) / 100) * 100));
    console.log(`\nfixed rate ${rate} req/s, ${SECONDS}s, ${CONNS} connections: our open model vs wrk2-style (bench/lb/rate-load.ts)`);
    const rated: Array<{ ours: RateSample; wrk2: RateSample }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const pair = round % 2 === 0 ? { ours: oursAtRate(url, rate, SECONDS), wrk2: wrk2Style(nginx.port, rate, SECONDS) } : (() => {
        const wrk2 = wrk2Style(nginx.port, rate, SECONDS);
        return { ours: oursAtRate(url, rate, SECONDS), wrk2 };
      })();
      rated.push(pair);
      for (const [name, s] of Object.entries(pair)) {
        console.log(`round ${round + 1} ${name.padEnd(5)} achieved ${s.achievedRps.toFixed(0)} req/s  p50 ${s.p50Ms.toFixed(3)} ms  p99 ${s.p99Ms.toFixed(3)} ms  lateness p99 ${s.lateP99Ms.toFixed(2)} ms  errors ${s.errors}`);
      }
    }
    // A round in which either generator sent late (p99 lateness above the limit) measured the machine,
    // not the generators' timing: it is left out of the ratio (and said so).
    const clean = rated.filter((r) => r.ours.lateP99Ms <= LATE_LIMIT_MS && r.wrk2.lateP99Ms <= LATE_LIMIT_MS);
    const p99Ratio = r2(median(clean.map((r) => r.ours.p99Ms / r.wrk2.p99Ms)));
    const p50Ratio = r2(median(clean.map((r) => r.ours.p50Ms / r.wrk2.p50Ms)));
    console.log(
      `\ntiming: ours/wrk2-style p99 ${p99Ratio}, p50 ${p50Ratio} over ${clean.length} of ${rated.length} rounds with both generators on time (lateness p99 <= ${LATE_LIMIT_MS} ms)   (goal p99 within 10%: 0.9 .. 1.1)`,
    );
    const result = {
      bench: 'load',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      seconds: SECONDS,
      connections: CONNS,
      rounds: ROUNDS,
      pinning: { nginx: 'core 0', generators: 'core 1' },
      ceiling,
      ceilingRounds: rounds,
      ratios: { ...ratios, oursVsWrk2StyleP99: p99Ratio, oursVsWrk2StyleP50: p50Ratio },
      fixedRate: { rate, rounds: rated, roundsInRatio: clean.length },
      note: '2-core machine shared with other work: figures are noisy.',
    };
    const dir = join(root, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `load-${result.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
  } finally {
    await nginx.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
