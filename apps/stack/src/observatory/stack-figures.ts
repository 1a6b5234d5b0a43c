// The figures the live map shows, computed from the instances' own metrics: per instance (rate, p99,
// error ratio, in flight, the tier's own figure), per edge of the diagram (request rate and error ratio
// from the caller's counters), and the stack's headline figures.
import type { InstanceStatus } from '../instance-status.js';
import { histogramQuantile } from './histogram-quantile.js';
import type { Buckets, Labels } from './prom-sample.js';
import type { ScrapeWindow } from './scrape-window.js';

export type EdgeKind = 'dns' | 'http' | 'memcached' | 'mysql' | 'replication';

export interface InstanceFigures {
  name: string;
  service: string;
  address: string;
  state: string;
  healthy: boolean;
  /** Whether its metrics answered in the last scrape (memcached and MariaDB have none: false). */
  scraped: boolean;
  /** Requests (queries, commands) per second it served. */
  rps: number;
  /** Share of them that failed (0..1). */
  errorRate: number;
  p99Ms: number | null;
  inFlight: number | null;
  /** The tier's own figures (LB queue, cache hit ratio, ring state, route split, lag, writer…). */
  detail: Record<string, number | string | boolean | null>;
}

export interface EdgeFigures {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  rps: number;
  errorRate: number;
  /** Replication edges: seconds behind (not a rate). */
  lagSeconds?: number | null;
}

export interface HeadlineFigures {
  /** Requests per second the LBs answered. */
  rps: number;
  /** p99 at the LBs (all servers), ms. */
  p99Ms: number | null;
  errorsPerSecond: number;
  errorRate: number;
  /** Share of the LBs' cacheable requests answered by their page cache (0..1), null when none. */
  pageCacheHitRatio: number | null;
  /** Read-through cache hit ratio of the web tier (0..1), null when no lookups. */
  cacheHitRatio: number | null;
  webReplicas: number;
  /** Queries per second the proxies relayed. */
  dbQps: number;
}

export interface StackFigures {
  at: number;
  windowSeconds: number;
  source: 'scrape';
  prometheus: string | null;
  instances: InstanceFigures[];
  edges: EdgeFigures[];
  headline: HeadlineFigures;
}

export interface FigureInputs {
  status: InstanceStatus[];
  window(name: string): ScrapeWindow;
  prometheusUrl?: string | null;
  windowSeconds: number;
  at?: number;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.min(1, part / whole) : 0);
const is5xx = (l: Labels) => (l.status_code ?? '').startsWith('5');
const notHealth = (l: Labels) => l.op !== 'health' && l.op !== 'stats' && l.query !== 'ping';

/** Computes every figure of the map from the latest scrapes. Pure: inputs in, figures out. */
export function stackFigures(input: FigureInputs): StackFigures {
  const of = (service: string) => input.status.filter((s) => s.service === service);
  const instances = new Map<string, InstanceFigures>();
  const edges: EdgeFigures[] = [];
  const edge = (from: string, to: string, kind: EdgeKind, rps: number, errors: number, extra: Partial<EdgeFigures> = {}) =>
    edges.push({ id: `${from}->${to}`, from, to, kind, rps, errorRate: ratio(errors, rps), ...extra });

  for (const s of input.status) {
    const w = input.window(s.name);
    instances.set(s.name, {
      name: s.name,
      service: s.service,
      address: s.address,
      state: s.state,
      healthy: s.healthy,
      scraped: w.up,
      rps: 0,
      errorRate: 0,
      p99Ms: null,
      inFlight: null,
      detail: {},
    });
  }
  const fig = (name: string) => instances.get(name)!;
  /** One edge per memcached node from a ring client's per-node counter (health and stats calls left out). */
  const memcachedEdges = (from: string, w: ScrapeWindow, metric: string) => {
    for (const mc of of('mc')) {
      const m = (l: Labels) => l.node === mc.address && notHealth(l);
      edge(from, mc.name, 'memcached', w.rate(metric, m), w.rate(metric, (l) => m(l) && l.result === 'error'));
    }
  };

  // DNS: queries answered.
  for (const d of of('dns')) {
    const w = input.window(d.name);
    const f = fig(d.name);
    f.rps = w.rate('scaleout_dns_queries_total');
    f.errorRate = ratio(w.rate('scaleout_dns_queries_total', (l) => l.rcode === 'SERVFAIL'), f.rps);
    f.p99Ms = w.quantileMs('scaleout_dns_query_duration_seconds', 0.99);
    f.detail.failOpen = w.rate('scaleout_dns_fail_open_answers_total');
    for (const lb of of('lb')) f.detail[`healthy ${lb.name}`] = w.gauge('scaleout_dns_address_healthy', { address: lb.address.split(':')[0]! }) === 1;
    edge('client', d.name, 'dns', f.rps, 0);
  }

  // LBs: requests answered (by servers and by the LB itself), and one edge per web server.
  let lbRps = 0;
  let lbErrors = 0;
  let pageHits = 0;
  let pageLookups = 0;
  const lbWindows: ScrapeWindow[] = [];
  for (const lb of of('lb')) {
    const w = input.window(lb.name);
    lbWindows.push(w);
    const f = fig(lb.name);
    const generated = w.rate('scaleout_lb_lb_responses_total');
    const served = w.rate('scaleout_lb_responses_total');
    // Answers of the LB's page cache that no server saw (hits, stale copies, coalesced waiters).
    const cacheServed = w.rate('scaleout_lb_cache_requests_total', (l) => l.result === 'hit' || l.result === 'stale') + w.rate('scaleout_lb_cache_coalesced_total');
    const cacheLookups = w.rate('scaleout_lb_cache_requests_total', (l) => l.result !== 'bypass');
    pageHits += cacheServed;
    pageLookups += cacheLookups;
    f.detail.pageCacheHitRatio = cacheLookups > 0 ? Math.min(1, cacheServed / cacheLookups) : null;
    const errors = w.rate('scaleout_lb_responses_total', (l) => l.code === '5xx') + generated;
    f.rps = served + generated + cacheServed;
    f.errorRate = ratio(errors, f.rps);
    f.p99Ms = w.quantileMs('scaleout_lb_request_duration_seconds', 0.99);
    f.inFlight = w.up ? w.gauge('scaleout_lb_in_flight_requests') : null;
    f.detail.queue = w.up ? w.gauge('scaleout_lb_queue_requests') : null;
    f.detail.serversUp = w.up ? w.gauge('scaleout_lb_servers_up', { pool: 'web' }) : null;
    f.detail.panic = w.gauge('scaleout_lb_pool_panic') > 0;
    lbRps += f.rps;
    lbErrors += errors;
    edge('client', lb.name, 'http', f.rps, errors);
    for (const web of of('web')) {
      const m = { pool: 'web', server: web.name };
      const rps = w.rate('scaleout_lb_responses_total', m);
      const errs = w.rate('scaleout_lb_responses_total', { ...m, code: '5xx' }) + w.rate('scaleout_lb_connection_errors_total', m);
      edge(lb.name, web.name, 'http', rps, errs);
      const state = w.up ? (stateOf(w, web.name) ?? 'absent') : 'unknown';
      f.detail[`server ${web.name}`] = state;
    }
  }

  // Web replicas: requests served, and their calls to the session service, the cache and the database.
  let cacheHits = 0;
  let cacheLookups = 0;
  for (const web of of('web')) {
    const w = input.window(web.name);
    const f = fig(web.name);
    httpServed(f, w, 'scaleout_web_http_request_duration_seconds');
    // In flight as the LBs see it (the web tier has no gauge of its own).
    f.inFlight = lbWindows.some((x) => x.up) ? lbWindows.reduce((a, x) => a + x.gauge('scaleout_lb_in_flight_requests', { server: web.name }), 0) : null;
    const hits = w.rate('scaleout_web_cache_requests_total', { result: 'hit' });
    const lookups = w.rate('scaleout_web_cache_requests_total');
    cacheHits += hits;
    cacheLookups += lookups;
    f.detail.cacheHitRatio = lookups > 0 ? hits / lookups : null;
    // CPU in cores (the autoscaler's `cpu` metric): prom-client's process counter.
    f.detail.cpuCores = w.seconds > 0 ? w.rate('process_cpu_seconds_total') : null;
    const sessionCalls = w.rate('scaleout_web_session_requests_total', notHealth);
    const sessionErrors = w.rate('scaleout_web_session_requests_total', (l) => notHealth(l) && !/^[234]/.test(l.result ?? ''));
    edge(web.name, 'session', 'http', sessionCalls, sessionErrors);
    memcachedEdges(web.name, w, 'scaleout_web_memcached_requests_total');
    const q = 'scaleout_web_db_query_duration_seconds';
    const dbRate = w.countRate(q, notHealth);
    const dbErrors = w.countRate(q, (l) => notHealth(l) && l.result !== 'ok');
    f.detail.dbQps = dbRate;
    for (const p of of('db-proxy')) {
      if (w.gauge('scaleout_web_db_endpoint_active', { endpoint: p.address }) === 1) {
        f.detail.dbEndpoint = p.name;
        edge(web.name, p.name, 'mysql', dbRate, dbErrors);
      }
    }
  }

  // Session service: its API calls, and the memcached ring behind it.
  for (const s of of('session')) {
    const w = input.window(s.name);
    const f = fig(s.name);
    httpServed(f, w, 'scaleout_session_http_request_duration_seconds');
    f.detail.repairQueue = w.up ? w.gauge('scaleout_session_memcached_repair_queue_length') : null;
    memcachedEdges(s.name, w, 'scaleout_session_memcached_requests_total');
    for (const mc of of('mc')) {
      if (w.up) {
        const up = w.gauge('scaleout_session_memcached_node_up', { node: mc.address }) === 1;
        const warming = w.gauge('scaleout_session_memcached_node_warming', { node: mc.address }) === 1;
        f.detail[`ring ${mc.name}`] = warming ? 'warming' : up ? 'up' : 'down';
      }
    }
  }
  // The session tier as one target of the web edges: its figures are the instances'.
  // memcached nodes: the commands they received from web and session (they expose no metrics).
  for (const mc of of('mc')) {
    const f = fig(mc.name);
    const incoming = edges.filter((e) => e.to === mc.name);
    f.rps = incoming.reduce((a, e) => a + e.rps, 0);
    f.errorRate = ratio(incoming.reduce((a, e) => a + e.rps * e.errorRate, 0), f.rps);
  }

  // db-proxy: queries relayed, route split, and one edge per database server.
  let dbQps = 0;
  let writer: string | null = null;
  const lag = new Map<string, number>();
  for (const p of of('db-proxy')) {
    const w = input.window(p.name);
    const f = fig(p.name);
    f.rps = w.rate('scaleout_db_proxy_queries_total');
    f.errorRate = ratio(w.rate('scaleout_db_proxy_errors_total'), f.rps);
    f.p99Ms = w.quantileMs('scaleout_db_proxy_query_duration_seconds', 0.99);
    f.inFlight = w.up ? w.gauge('scaleout_db_proxy_backend_inflight') : null;
    const reads = w.rate('scaleout_db_proxy_queries_total', { route: 'reader' });
    f.detail.readerShare = f.rps > 0 ? reads / f.rps : null;
    f.detail.clients = w.up ? w.gauge('scaleout_db_proxy_client_connections') : null;
    dbQps += f.rps;
    for (const db of of('db')) {
      edge(p.name, db.name, 'mysql', w.rate('scaleout_db_proxy_queries_total', { server: db.name }), 0);
      if (!w.up) continue;
      if (w.gauge('scaleout_db_proxy_backend_writer', { server: db.name }) === 1) {
        writer = db.name;
        f.detail.writer = db.name;
      }
      const l = w.gauge('scaleout_db_proxy_replication_lag_seconds', { server: db.name });
      if (l >= 0) lag.set(db.name, Math.max(lag.get(db.name) ?? 0, l));
    }
  }
  const dbs = of('db');
  for (const db of dbs) {
    const f = fig(db.name);
    const incoming = edges.filter((e) => e.to === db.name);
    f.rps = incoming.reduce((a, e) => a + e.rps, 0);
    f.detail.writer = writer === db.name;
    f.detail.lagSeconds = lag.get(db.name) ?? null;
  }
  if (dbs.length === 2) {
    const [a, b] = dbs as [InstanceStatus, InstanceStatus];
    edge(a.name, b.name, 'replication', 0, 0, { lagSeconds: lag.get(b.name) ?? null });
    edge(b.name, a.name, 'replication', 0, 0, { lagSeconds: lag.get(a.name) ?? null });
  }

  const lbHist = lbWindows.filter((w) => w.seconds > 0);
  const headline: HeadlineFigures = {
    rps: lbRps,
    p99Ms: mergedQuantileMs(lbHist, 'scaleout_lb_request_duration_seconds', 0.99),
    errorsPerSecond: lbErrors,
    errorRate: ratio(lbErrors, lbRps),
    pageCacheHitRatio: pageLookups > 0 ? Math.min(1, pageHits / pageLookups) : null,
    cacheHitRatio: cacheLookups > 0 ? cacheHits / cacheLookups : null,
    webReplicas: of('web').filter((w) => w.state === 'running').length,
    dbQps,
  };
  return {
    at: input.at ?? Date.now(),
    windowSeconds: input.windowSeconds,
    source: 'scrape',
    prometheus: input.prometheusUrl ?? null,
    instances: [...instances.values()],
    edges,
    headline,
  };
}

/** Rate, 5xx share and p99 of an HTTP service from its request histogram. */
function httpServed(f: InstanceFigures, w: ScrapeWindow, histogram: string): void {
  f.rps = w.countRate(histogram);
  f.errorRate = ratio(w.countRate(histogram, is5xx), f.rps);
  f.p99Ms = w.quantileMs(histogram, 0.99);
}

function stateOf(w: ScrapeWindow, server: string): string | null {
  const m = w.now?.metrics?.scaleout_lb_server_state;
  if (!m) return null;
  for (const d of m.data as { labels: Labels; value: number }[]) {
    if (d.labels.server === server && d.value === 1) {
      const up = w.gauge('scaleout_lb_server_up', { server }) === 1;
      return d.labels.state === 'ready' && !up ? 'down' : (d.labels.state ?? null);
    }
  }
  return null;
}

/** p99 over several instances' histograms: their increases added bucket by bucket, then the quantile. */
function mergedQuantileMs(windows: ScrapeWindow[], name: string, q: number): number | null {
  // Every instance of a service uses the same buckets, so adding the increases is exact.
  const parts = windows.map((w) => w.increaseBuckets(name)).filter((b): b is Buckets => b !== null);
  if (parts.length === 0) return null;
  const bounds = parts[0]!.bounds;
  const counts = bounds.map((_, i) => parts.reduce((a, b) => a + (b.counts[i] ?? 0), 0));
  const v = histogramQuantile(q, { bounds, counts, count: counts[counts.length - 1] ?? 0, sum: 0 });
  return Number.isFinite(v) ? v * 1000 : null;
}
