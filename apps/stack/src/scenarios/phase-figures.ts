// Helpers of the A/B scenarios (page-cache, query-cache, autoscale): the stack's figures averaged over
// a phase, the LBs' pool view after a restart, an LB's page-cache counters read from its /metrics.
import { callAdmin } from '../admin-client.js';
import { parseExposition, sumOf } from '../observatory/prom-sample.js';
import { LB_ADMIN_PORT, stackAddress } from '../stack-spec.js';
import type { FigureSample, ScenarioContext } from './scenario.js';

export interface PhaseFigures {
  /** CPU of every web replica together, in cores (process_cpu_seconds_total rate). */
  webCpuCores: number | null;
  /** Queries per second the db-proxies relayed (with their own monitoring). */
  dbQps: number | null;
  /** Queries per second the web replicas sent (their query histogram, health checks left out). */
  webDbQps: number | null;
  /** Share of the LBs' cacheable requests their page cache answered. */
  pageCacheHitRatio: number | null;
  /** p99 at the LBs (all servers), the mean of the per-second figures. */
  lbP99Ms: number | null;
  samples: number;
}

const mean = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

export const round = (v: number | null, digits = 2): number | null => (v === null ? null : +v.toFixed(digits));

/** The samples taken in [t0 + skip, t1] (the first seconds of a phase still carry the last one's window). */
export function phaseSamples(samples: FigureSample[], t0: number, t1: number, skip = 2): FigureSample[] {
  return samples.filter((s) => s.t >= t0 + Math.min(skip, (t1 - t0) / 2) && s.t <= t1);
}

export function phaseFigures(samples: FigureSample[], t0: number, t1: number): PhaseFigures {
  const w = phaseSamples(samples, t0, t1);
  return {
    webCpuCores: round(mean(w.map(webCpuOf)), 3),
    dbQps: round(mean(w.map((s) => s.figures.headline.dbQps)), 1),
    webDbQps: round(mean(w.map(webDbQpsOf)), 1),
    pageCacheHitRatio: round(mean(w.map((s) => s.figures.headline.pageCacheHitRatio)), 3),
    lbP99Ms: round(mean(w.map((s) => s.figures.headline.p99Ms)), 1),
    samples: w.length,
  };
}

/** Waits until lbN's web pool has `count` servers, every one ready. */
export async function waitLbPool(ctx: ScenarioContext<unknown>, n: number, count: number, timeoutMs = 30_000): Promise<void> {
  const base = `http://${stackAddress(ctx.net, 1, n)}:${LB_ADMIN_PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pool = await callAdmin(base, ctx.adminToken, { method: 'GET', path: '/api/pools/web', timeoutMs: 1000 }).catch(() => null);
    const servers = pool?.status === 200 ? ((pool.body as { servers?: { state: string }[] }).servers ?? []) : [];
    if (servers.length === count && servers.every((s) => s.state === 'ready')) return;
    if (Date.now() > deadline) throw new Error(`lb${n} did not take ${count} ready replicas in ${timeoutMs / 1000} s (${JSON.stringify(servers)})`);
    await ctx.sleep(200);
  }
}

export interface LbCacheCounters {
  hits: number;
  misses: number;
  /** Every lookup but bypasses (hits, stale, misses, coalesced waiters…). */
  lookups: number;
}

/** lbN's page-cache counters since its start, from its own /metrics. */
export async function lbCacheCounters(net: string, n: number): Promise<LbCacheCounters> {
  const res = await fetch(`http://${stackAddress(net, 1, n)}:${LB_ADMIN_PORT}/metrics`, { signal: AbortSignal.timeout(2000) });
  const m = await parseExposition(await res.text());
  const name = 'scaleout_lb_cache_requests_total';
  return {
    hits: sumOf(m, name, (l) => l.result === 'hit' || l.result === 'stale') + sumOf(m, 'scaleout_lb_cache_coalesced_total'),
    misses: sumOf(m, name, (l) => l.result === 'miss'),
    lookups: sumOf(m, name, (l) => l.result !== 'bypass') + sumOf(m, 'scaleout_lb_cache_coalesced_total'),
  };
}

/** A per-second line of a chart from the samples. */
export function sampleSeries(samples: FigureSample[], pick: (s: FigureSample) => number | null): { t: number; v: number | null }[] {
  return samples.filter((s) => s.t >= 0).map((s) => ({ t: +s.t.toFixed(1), v: pick(s) }));
}

export const webCpuOf = (s: FigureSample): number | null => {
  const webs = s.figures.instances.filter((i) => i.service === 'web' && typeof i.detail.cpuCores === 'number');
  return webs.length ? +webs.reduce((a, i) => a + (i.detail.cpuCores as number), 0).toFixed(3) : null;
};

export const webDbQpsOf = (s: FigureSample): number | null => {
  const webs = s.figures.instances.filter((i) => i.service === 'web' && typeof i.detail.dbQps === 'number');
  return webs.length ? +webs.reduce((a, i) => a + (i.detail.dbQps as number), 0).toFixed(2) : null;
};
