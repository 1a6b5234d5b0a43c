// query-cache: MariaDB's query cache off vs on (the stack starts with query_cache_type=ON; the cache is
// emptied and switched off with SET GLOBAL query_cache_size=0 and back on with its size, on both
// databases, since query_cache_size is global where the type is per session), under a read-only
// catalogue load and under the same load with 10% writes to the table it reads. The web tier's
// memcached cache and the LBs' page cache are off so every page read reaches MariaDB. The deciding
// figures: DB queries/s, Qcache_hits (SHOW GLOBAL STATUS), p99 at the page.
import mysql from 'mysql2/promise';
import type { LoadResult } from '@scaleout/load';
import { DEV_ACCOUNTS, DB_PORT, LB_HTTP_PORT, PROXY_PORT, stackAddress } from '../stack-spec.js';
import { phaseFigures, round, sampleSeries, waitLbPool, type PhaseFigures } from './phase-figures.js';
import type { ChartSpec, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface QueryCachePlan {
  /** Page reads per second of each of the two read loads (open model). */
  rate: number;
  seconds: number;
  warmup: number;
}

const plans: { quick: QueryCachePlan; full: QueryCachePlan } = {
  quick: { rate: 40, seconds: 7, warmup: 1 },
  full: { rate: 60, seconds: 45, warmup: 5 },
};

export const QUERY_CACHE_BYTES = 16 * 1024 * 1024;
/** Writes are this share of all requests in the write mix. */
const WRITE_SHARE = 0.1;
const READ_PATHS = [
  { lb: 1, path: '/api/products/7' },
  { lb: 2, path: '/products' },
] as const;
const QCACHE_VARS = ['Qcache_hits', 'Qcache_inserts', 'Qcache_not_cached', 'Qcache_lowmem_prunes', 'Qcache_queries_in_cache', 'Com_select', 'Com_update'] as const;
export type QcacheStatus = Record<(typeof QCACHE_VARS)[number], number>;

const dbAddress = (net: string, n: number) => ({ host: stackAddress(net, 6, n), port: DB_PORT });

/** Both databases' query cache status, read with SHOW GLOBAL STATUS. */
export async function qcacheStatus(net: string): Promise<Record<string, QcacheStatus>> {
  const out: Record<string, QcacheStatus> = {};
  for (const n of [1, 2]) {
    const c = await mysql.createConnection({ ...dbAddress(net, n), user: DEV_ACCOUNTS.admin.user, password: DEV_ACCOUNTS.admin.password, connectTimeout: 2000 });
    try {
      const [rows] = await c.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${QCACHE_VARS.map(() => '?').join(',')})`, [...QCACHE_VARS]);
      const st = Object.fromEntries(QCACHE_VARS.map((v) => [v, 0])) as QcacheStatus;
      for (const r of rows as { Variable_name: string; Value: string }[]) st[r.Variable_name as keyof QcacheStatus] = Number(r.Value);
      out[`db${n}`] = st;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return out;
}

/** Sets query_cache_size on both databases (0: off and emptied) and reads it back. */
async function setCacheSize(net: string, bytes: number): Promise<number[]> {
  const back: number[] = [];
  for (const n of [1, 2]) {
    const c = await mysql.createConnection({ ...dbAddress(net, n), user: DEV_ACCOUNTS.admin.user, password: DEV_ACCOUNTS.admin.password, connectTimeout: 2000 });
    try {
      await c.query('SET GLOBAL query_cache_size = ?', [bytes]);
      const [rows] = await c.query("SHOW GLOBAL VARIABLES LIKE 'query_cache_size'");
      back.push(Number((rows as { Value: string }[])[0]?.Value ?? NaN));
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return back;
}

interface WriteFigures {
  sent: number;
  ok: number;
  errors: number;
  p99Ms: number | null;
}

/** Paced UPDATEs of the products table (+1 then -1 on a product's stock) through proxy1. */
function startWrites(net: string, perSecond: number, ms: number): Promise<WriteFigures> {
  return (async () => {
    const pool = mysql.createPool({ host: stackAddress(net, 5, 1), port: PROXY_PORT, user: DEV_ACCOUNTS.app.user, password: DEV_ACCOUNTS.app.password, database: 'shop', connectionLimit: 4, connectTimeout: 2000 });
    const lat: number[] = [];
    let sent = 0;
    let errors = 0;
    const pending: Promise<void>[] = [];
    const t0 = Date.now();
    try {
      while (Date.now() - t0 < ms) {
        const due = t0 + (sent * 1000) / perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        const i = sent++;
        const at = Date.now();
        pending.push(
          pool
            .query('UPDATE products SET stock = stock + ? WHERE id = ?', [i % 2 === 0 ? 1 : -1, 1 + (Math.floor(i / 2) % 50)])
            .then(() => void lat.push(Date.now() - at))
            .catch(() => void errors++),
        );
      }
      await Promise.all(pending);
    } finally {
      await pool.end().catch(() => undefined);
    }
    lat.sort((a, b) => a - b);
    return { sent, ok: lat.length, errors, p99Ms: lat.length ? lat[Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)]! : null };
  })();
}

export interface QueryCachePhase {
  id: string;
  mix: 'read-only' | '10% writes';
  cache: 'off' | 'on';
  queryCacheSizeBytes: number[];
  startedAt: number;
  endedAt: number;
  reads: { file: string; completed: number; errors: number; p50Ms: number; p99Ms: number; valid: boolean }[];
  readP99Ms: number;
  readsCompleted: number;
  readErrors: number;
  writes: WriteFigures | null;
  stack: PhaseFigures;
  /** Deltas of SHOW GLOBAL STATUS over the measured load, summed over db1 and db2. */
  qcache: QcacheStatus;
  /** Qcache_hits / (Qcache_hits + Com_select): the share of SELECTs the cache answered. */
  qcacheHitRatio: number | null;
  /** The status counters at the end of the phase, per database (cumulative). */
  qcacheAfter: Record<string, QcacheStatus>;
}

async function runPhase(ctx: ScenarioContext<QueryCachePlan>, mix: QueryCachePhase['mix'], cache: 'off' | 'on'): Promise<QueryCachePhase> {
  const p = ctx.plan;
  const id = `${mix === 'read-only' ? 'ro' : 'rw'}-${cache}`;
  ctx.mark(id);
  const sizes = await setCacheSize(ctx.net, cache === 'on' ? QUERY_CACHE_BYTES : 0);
  const spec = (u: (typeof READ_PATHS)[number], ms: number) => ({ workload: 'get' as const, url: `http://${stackAddress(ctx.net, 1, u.lb)}:${LB_HTTP_PORT}${u.path}`, rate: { kind: 'constant' as const, rate: p.rate }, durationMs: ms, connections: 200 });
  const writeRate = mix === 'read-only' ? 0 : (2 * p.rate * WRITE_SHARE) / (1 - WRITE_SHARE);
  await Promise.all(READ_PATHS.map((u, i) => ctx.load(`warmup-${id}-${i + 1}`, spec(u, p.warmup * 1000)).result));
  const before = await qcacheStatus(ctx.net);
  const startedAt = ctx.now();
  const writes = writeRate > 0 ? startWrites(ctx.net, writeRate, p.seconds * 1000) : null;
  const results: LoadResult[] = await Promise.all(READ_PATHS.map((u, i) => ctx.load(`reads-${id}-${i + 1}`, spec(u, p.seconds * 1000)).result));
  const w = writes ? await writes : null;
  const endedAt = ctx.now();
  const after = await qcacheStatus(ctx.net);
  const delta = Object.fromEntries(QCACHE_VARS.map((v) => [v, Object.keys(after).reduce((a, db) => a + after[db]![v] - before[db]![v], 0)])) as QcacheStatus;
  await ctx.sleep(1500);
  const reads = results.map((r, i) => ({ file: `reads-${id}-${i + 1}.json`, completed: r.completed, errors: r.errors, p50Ms: r.latency.p50Ms, p99Ms: r.latency.p99Ms, valid: r.generator.valid }));
  const looked = delta.Qcache_hits + delta.Com_select;
  return {
    id,
    mix,
    cache,
    queryCacheSizeBytes: sizes,
    startedAt: +startedAt.toFixed(2),
    endedAt: +endedAt.toFixed(2),
    reads,
    readP99Ms: Math.max(...reads.map((r) => r.p99Ms)),
    readsCompleted: reads.reduce((a, r) => a + r.completed, 0),
    readErrors: reads.reduce((a, r) => a + r.errors, 0),
    writes: w,
    stack: phaseFigures(ctx.samples(), startedAt, endedAt),
    qcache: delta,
    qcacheHitRatio: looked > 0 ? round(delta.Qcache_hits / looked, 4) : null,
    qcacheAfter: after,
  };
}

const fmt = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));

async function run(ctx: ScenarioContext<QueryCachePlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  const webs = ctx.stack.supervisor.status().filter((s) => s.service === 'web').length;
  for (const n of [1, 2]) await waitLbPool(ctx, n, webs);
  ctx.startClock();
  const phases: QueryCachePhase[] = [];
  for (const mix of ['read-only', '10% writes'] as const) for (const cache of ['off', 'on'] as const) phases.push(await runPhase(ctx, mix, cache));
  const by = Object.fromEntries(phases.map((f) => [f.id, f])) as Record<'ro-off' | 'ro-on' | 'rw-off' | 'rw-on', QueryCachePhase>;
  const writeRate = (2 * p.rate * WRITE_SHARE) / (1 - WRITE_SHARE);
  const steps = [
    `The stack started with MariaDB's query cache on (query_cache_type=ON, ${QUERY_CACHE_BYTES / 1024 / 1024} MiB) on db1 and db2; the web tier's memcached cache (WEB_CACHE_ENABLED=false) and the LBs' page cache (LB_CACHE=false) are off, so every page read reaches MariaDB.`,
    `Reads: ${p.rate} requests/s of GET ${READ_PATHS[0].path} through lb1 and ${p.rate} requests/s of GET ${READ_PATHS[1].path} through lb2 (open model), ${p.warmup} s of warm-up then ${p.seconds} s measured per phase. Write mix: ${writeRate.toFixed(1)} UPDATEs/s of a product's stock through proxy1 on top (10% of all requests), which invalidates every cached query on the products table.`,
    `Cache off: SET GLOBAL query_cache_size=0 on both databases (empties it; the type is per session, the size is global); on: SET GLOBAL query_cache_size=${QUERY_CACHE_BYTES} (a new, empty cache).`,
  ];
  const table = {
    columns: ['mix', 'query cache', 'page reads done', 'read errors', 'read p99 (ms)', 'writes done', 'write p99 (ms)', 'web DB queries/s', 'DB queries/s (proxies)', 'Qcache_hits', 'Qcache_inserts', 'Com_select', 'SELECTs answered by the cache', 'web CPU (cores)'],
    rows: phases.map((f) => [f.mix, f.cache, f.readsCompleted, f.readErrors, f.readP99Ms, f.writes?.ok ?? null, f.writes?.p99Ms ?? null, f.stack.webDbQps, f.stack.dbQps, f.qcache.Qcache_hits, f.qcache.Qcache_inserts, f.qcache.Com_select, f.qcacheHitRatio, f.stack.webCpuCores]),
  };
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const change = (a: number, b: number) => (a > 0 ? `${b <= a ? '' : '+'}${(((b - a) / a) * 100).toFixed(0)}%` : 'n/a');
  const conclusion: string[] = [];
  for (const [mix, off, on] of [['read-only', by['ro-off'], by['ro-on']], ['10% writes', by['rw-off'], by['rw-on']]] as const) {
    conclusion.push(
      `${mix}: the query cache answered ${pct(on.qcacheHitRatio)} of the SELECTs (${on.qcache.Qcache_hits} hits, ${on.qcache.Qcache_inserts} inserts${on.qcache.Qcache_lowmem_prunes ? `, ${on.qcache.Qcache_lowmem_prunes} low-memory prunes` : ''}); read p99 went from ${fmt(off.readP99Ms)} ms (off) to ${fmt(on.readP99Ms)} ms (on), ${change(off.readP99Ms, on.readP99Ms)}${on.readP99Ms < off.readP99Ms ? ', it helped' : ', no gain'}.`,
    );
  }
  const roGain = by['ro-off'].readP99Ms - by['ro-on'].readP99Ms;
  const rwGain = by['rw-off'].readP99Ms - by['rw-on'].readP99Ms;
  const roHits = by['ro-on'].qcacheHitRatio ?? 0;
  const rwHits = by['rw-on'].qcacheHitRatio ?? 0;
  conclusion.push(
    rwHits < roHits
      ? `With 10% writes the hit share fell from ${pct(roHits)} to ${pct(rwHits)}: every UPDATE of products invalidates every cached query on it, and the cache had to be refilled (${by['rw-on'].qcache.Qcache_inserts} inserts against ${by['ro-on'].qcache.Qcache_inserts} read-only).`
      : `With 10% writes the hit share did not fall (${pct(rwHits)} vs ${pct(roHits)} read-only).`,
  );
  conclusion.push(
    roGain > 0 && rwGain < roGain
      ? `The lecture's claim holds here: the cache gained ${fmt(roGain)} ms of read p99 on the read-only mix and ${fmt(rwGain)} ms under writes${rwGain <= 0 ? ' (a loss: invalidations and the cache lock cost more than the hits save)' : ''}.`
      : `The lecture's claim (helps reads, hurts under writes) is not shown by these p99s: ${fmt(roGain)} ms gained read-only, ${fmt(rwGain)} ms with writes.`,
  );
  const offHits = by['ro-off'].qcache.Qcache_hits + by['rw-off'].qcache.Qcache_hits;
  if (offHits > 0) conclusion.push(`Careful: ${offHits} query cache hits were counted while it was off.`);
  const errs = phases.filter((f) => f.readErrors > 0 || (f.writes?.errors ?? 0) > 0);
  if (errs.length) conclusion.push(`Errors: ${errs.map((f) => `${f.id}: ${f.readErrors} reads, ${f.writes?.errors ?? 0} writes`).join('; ')}.`);
  if (phases.some((f) => f.reads.some((r) => !r.valid))) conclusion.push('The load generator was itself late in some phase; those latencies are upper bounds.');

  const marks = ctx.marks();
  const samples = ctx.samples();
  const charts: ChartSpec[] = [
    { id: 'db-qps', title: 'Queries/s the db-proxies relayed', yLabel: 'queries/s', series: [{ label: 'DB queries/s', points: sampleSeries(samples, (s) => s.figures.headline.dbQps) }], marks },
    { id: 'lb-p99', title: 'p99 at the LBs (observatory)', yLabel: 'ms', series: [{ label: 'LB p99', points: sampleSeries(samples, (s) => s.figures.headline.p99Ms) }], marks },
  ];
  return { steps, table, conclusion, charts, figures: { phases } };
}

export const queryCache: Scenario<QueryCachePlan> = {
  name: 'query-cache',
  description: "MariaDB's query cache off vs on, under a read-only catalogue load and with 10% writes: DB queries/s, Qcache_hits, p99.",
  net: '127.137',
  webReplicas: 2,
  serviceEnv: { lb: { LB_CACHE: 'false' }, web: { WEB_CACHE_ENABLED: 'false' } },
  stack: { queryCache: { type: 'ON', sizeBytes: QUERY_CACHE_BYTES } },
  plans,
  run,
};
