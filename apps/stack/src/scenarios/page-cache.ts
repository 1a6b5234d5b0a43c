// page-cache: the same anonymous catalogue load (the browse page through lb1, a product's JSON through
// lb2) with the LBs' page cache off, then on (both LBs restarted with LB_CACHE=false / true). The
// deciding figures: the web tier's CPU, the DB queries/s, p99 at the page, the page cache's hit ratio.
import type { LoadResult } from '@scaleout/load';
import { LB_HTTP_PORT, stackAddress } from '../stack-spec.js';
import { lbCacheCounters, phaseFigures, sampleSeries, waitLbPool, webCpuOf, type LbCacheCounters, type PhaseFigures } from './phase-figures.js';
import type { ChartSpec, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface PageCachePlan {
  /** Requests per second of each of the two loads (open model). */
  rate: number;
  /** Seconds of measured load per phase. */
  seconds: number;
  /** Seconds of load after the LBs' restart, not measured. */
  warmup: number;
}

const plans: { quick: PageCachePlan; full: PageCachePlan } = {
  quick: { rate: 60, seconds: 12, warmup: 2 },
  full: { rate: 100, seconds: 60, warmup: 5 },
};

/** The catalogue: the browse page (HTML) and a product's JSON, both anonymous, both shareable. */
export const PAGE_CACHE_URLS = [
  { lb: 1, path: '/products' },
  { lb: 2, path: '/api/products/7' },
] as const;

interface LoadFigures {
  file: string;
  url: string;
  sent: number;
  completed: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  valid: boolean;
}

export interface PageCachePhase {
  phase: 'off' | 'on';
  startedAt: number;
  endedAt: number;
  loads: LoadFigures[];
  /** The worse of the two loads' p99 (load generator, CO-corrected). */
  p99Ms: number;
  completed: number;
  errors: number;
  stack: PhaseFigures;
  /** Both LBs' page-cache counters over the measured load (deltas of their /metrics). */
  lbCache: LbCacheCounters & { hitRatio: number | null };
}

const sumCounters = (xs: LbCacheCounters[]): LbCacheCounters => xs.reduce((a, x) => ({ hits: a.hits + x.hits, misses: a.misses + x.misses, lookups: a.lookups + x.lookups }), { hits: 0, misses: 0, lookups: 0 });
const bothLbs = async (net: string) => sumCounters(await Promise.all([1, 2].map((n) => lbCacheCounters(net, n))));

async function runPhase(ctx: ScenarioContext<PageCachePlan>, phase: 'off' | 'on', webs: number): Promise<PageCachePhase> {
  const p = ctx.plan;
  ctx.mark(`cache ${phase}`);
  for (const n of [1, 2]) {
    await ctx.stack.supervisor.restart(`lb${n}`, { env: { LB_CACHE: phase === 'on' ? 'true' : 'false' } });
    await waitLbPool(ctx, n, webs);
  }
  const spec = (u: (typeof PAGE_CACHE_URLS)[number], ms: number) => ({ workload: 'get' as const, url: `http://${stackAddress(ctx.net, 1, u.lb)}:${LB_HTTP_PORT}${u.path}`, rate: { kind: 'constant' as const, rate: p.rate }, durationMs: ms, connections: 200 });
  await Promise.all(PAGE_CACHE_URLS.map((u, i) => ctx.load(`warmup-${phase}-${i + 1}`, spec(u, p.warmup * 1000)).result));
  const before = await bothLbs(ctx.net);
  const startedAt = ctx.now();
  const results: LoadResult[] = await Promise.all(PAGE_CACHE_URLS.map((u, i) => ctx.load(`load-${phase}-${i + 1}`, spec(u, p.seconds * 1000)).result));
  const endedAt = ctx.now();
  const after = await bothLbs(ctx.net);
  const d = { hits: after.hits - before.hits, misses: after.misses - before.misses, lookups: after.lookups - before.lookups };
  const loads = results.map((r, i) => ({ file: `load-${phase}-${i + 1}.json`, url: r.spec.url ?? '', sent: r.sent, completed: r.completed, errors: r.errors, p50Ms: r.latency.p50Ms, p99Ms: r.latency.p99Ms, valid: r.generator.valid }));
  // The observatory's last window reaches a second or two past the load's end.
  await ctx.sleep(1500);
  return {
    phase,
    startedAt: +startedAt.toFixed(2),
    endedAt: +endedAt.toFixed(2),
    loads,
    p99Ms: Math.max(...loads.map((l) => l.p99Ms)),
    completed: loads.reduce((a, l) => a + l.completed, 0),
    errors: loads.reduce((a, l) => a + l.errors, 0),
    stack: phaseFigures(ctx.samples(), startedAt, endedAt),
    lbCache: { ...d, hitRatio: d.lookups > 0 ? +(d.hits / d.lookups).toFixed(4) : null },
  };
}

const fmt = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));
const times = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');

async function run(ctx: ScenarioContext<PageCachePlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  const webs = ctx.stack.supervisor.status().filter((s) => s.service === 'web').length;
  ctx.startClock();
  const off = await runPhase(ctx, 'off', webs);
  const on = await runPhase(ctx, 'on', webs);
  const phases = [off, on];
  const steps = [
    `Anonymous catalogue load, open model: ${p.rate} requests/s of GET ${PAGE_CACHE_URLS[0].path} (the browse page) through lb1 and ${p.rate} requests/s of GET ${PAGE_CACHE_URLS[1].path} (a product's JSON) through lb2, ${webs} web replicas with their memcached read-through cache as in the stack.`,
    ...phases.map((f) => `Page cache ${f.phase}: restarted lb1 and lb2 with LB_CACHE=${f.phase === 'on' ? 'true' : 'false'}, waited until both took every replica, ${p.warmup} s of warm-up load, then ${p.seconds} s measured.`),
  ];
  const table = {
    columns: ['page cache', 'requests done', 'errors', 'p50 (ms, worse load)', 'p99 (ms, worse load)', 'web CPU (cores)', 'web DB queries/s', 'proxies queries/s', 'page cache hit ratio (LB metrics)', 'hit ratio (observatory)', 'LB p99 (ms)'],
    rows: phases.map((f) => [f.phase, f.completed, f.errors, Math.max(...f.loads.map((l) => l.p50Ms)), f.p99Ms, f.stack.webCpuCores, f.stack.webDbQps, f.stack.dbQps, f.lbCache.hitRatio, f.stack.pageCacheHitRatio, f.stack.lbP99Ms]),
  };
  const conclusion: string[] = [];
  const cpuOff = off.stack.webCpuCores;
  const cpuOn = on.stack.webCpuCores;
  if (cpuOff !== null && cpuOn !== null) {
    conclusion.push(
      cpuOn < cpuOff
        ? `With the page cache on, the web tier used ${fmt(cpuOn, 3)} cores instead of ${fmt(cpuOff, 3)} (${times(cpuOff, cpuOn)} less) for the same ${p.rate * 2} requests/s: the LBs answered ${fmt(on.lbCache.hitRatio === null ? null : on.lbCache.hitRatio * 100)}% of the lookups themselves.`
        : `With the page cache on, the web tier used ${fmt(cpuOn, 3)} cores, not less than ${fmt(cpuOff, 3)} without it (hit ratio ${fmt(on.lbCache.hitRatio === null ? null : on.lbCache.hitRatio * 100)}%): the cache did not take work off the web tier here.`,
    );
  }
  const qOff = off.stack.webDbQps;
  const qOn = on.stack.webDbQps;
  if (qOff !== null && qOn !== null) {
    conclusion.push(
      qOff < 1
        ? `The web tier sent almost no DB queries in either phase (${fmt(qOff)} off, ${fmt(qOn)} on per second): the memcached read-through cache already answers these reads, so the page cache saves web CPU, not database work; the proxies relayed ${fmt(off.stack.dbQps)} and ${fmt(on.stack.dbQps)} queries/s, their own monitoring included.`
        : qOn < qOff * 0.9
        ? `The web tier's DB queries/s fell from ${fmt(qOff)} to ${fmt(qOn)} (the proxies relayed ${fmt(off.stack.dbQps)} and ${fmt(on.stack.dbQps)} queries/s, their own monitoring included).`
        : `The web tier's DB queries/s did not fall much (${fmt(qOff)} off, ${fmt(qOn)} on)${qOff < 0.1 * p.rate * 2 ? ': the memcached read-through cache already kept most of these reads away from the database' : ''}; the proxies relayed ${fmt(off.stack.dbQps)} and ${fmt(on.stack.dbQps)} queries/s, their own monitoring included.`,
    );
  }
  conclusion.push(
    on.p99Ms < off.p99Ms
      ? `p99 at the page: ${fmt(on.p99Ms)} ms with the cache, ${fmt(off.p99Ms)} ms without (${times(off.p99Ms, on.p99Ms)} better).`
      : `p99 at the page was not better with the cache: ${fmt(on.p99Ms)} ms on, ${fmt(off.p99Ms)} ms off.`,
  );
  if (off.lbCache.lookups > 0) conclusion.push(`Careful: with LB_CACHE=false the LBs still counted ${off.lbCache.lookups} cache lookups.`);
  const errs = phases.filter((f) => f.errors > 0);
  if (errs.length) conclusion.push(`Errors: ${errs.map((f) => `${f.errors} with the cache ${f.phase}`).join(', ')}.`);
  const late = phases.filter((f) => f.loads.some((l) => !l.valid));
  if (late.length) conclusion.push(`The load generator was itself late during ${late.map((f) => `cache ${f.phase}`).join(' and ')}; those latencies are upper bounds.`);

  const marks = ctx.marks();
  const samples = ctx.samples();
  const charts: ChartSpec[] = [
    { id: 'web-cpu', title: 'Web tier CPU (all replicas, cores)', yLabel: 'cores', series: [{ label: 'web CPU', points: sampleSeries(samples, webCpuOf) }], marks },
    {
      id: 'db-qps-hit-ratio',
      title: 'DB queries/s and the page cache hit ratio (×100)',
      yLabel: 'queries/s, %',
      series: [
        { label: 'DB queries/s', points: sampleSeries(samples, (s) => s.figures.headline.dbQps) },
        { label: 'hit ratio %', points: sampleSeries(samples, (s) => (s.figures.headline.pageCacheHitRatio === null ? null : +(s.figures.headline.pageCacheHitRatio * 100).toFixed(1))) },
      ],
      marks,
    },
    { id: 'lb-p99', title: 'p99 at the LBs (observatory)', yLabel: 'ms', series: [{ label: 'LB p99', points: sampleSeries(samples, (s) => s.figures.headline.p99Ms) }], marks },
  ];
  return { steps, table, conclusion, charts, figures: { phases } };
}

export const pageCache: Scenario<PageCachePlan> = {
  name: 'page-cache',
  description: "the same anonymous catalogue load with the LBs' page cache off, then on: web CPU, DB queries/s, p99 at the page, hit ratio.",
  net: '127.136',
  webReplicas: 2,
  plans,
  run,
};
