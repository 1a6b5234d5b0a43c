import { Counter, Gauge, metricName, type Registry } from '@scaleout/metrics';
import type { CacheStore } from './cache-store.js';

const m = (what: string, unit?: string) => metricName('lb', what, unit);

/** How a cacheable request was answered (label `result` of scaleout_lb_cache_requests_total). */
export type CacheResult = 'hit' | 'miss' | 'stale' | 'revalidated' | 'bypass' | 'pass';

/** Prometheus metrics of the page cache (labels: pool and bounded reason words). */
export class CacheMetrics {
  readonly requests: Counter<'pool' | 'result'>;
  readonly coalesced: Counter<'pool'>;
  readonly waitTimeouts: Counter<'pool'>;
  readonly hitForMiss: Counter<'pool'>;
  readonly staleServed: Counter<'pool' | 'reason'>;
  readonly refreshes: Counter<'pool' | 'result'>;
  readonly purges: Counter<'via'>;
  readonly bans: Counter<'kind'>;
  readonly #byPool = new Map<string, Record<CacheResult, { inc(): void }>>();

  /** Count one request by result (children bound once per pool: this runs on every hit). */
  count(pool: string, result: CacheResult): void {
    let c = this.#byPool.get(pool);
    if (c === undefined) {
      const r = this.requests;
      c = { hit: r.labels({ pool, result: 'hit' }), miss: r.labels({ pool, result: 'miss' }), stale: r.labels({ pool, result: 'stale' }), revalidated: r.labels({ pool, result: 'revalidated' }), bypass: r.labels({ pool, result: 'bypass' }), pass: r.labels({ pool, result: 'pass' }) };
      this.#byPool.set(pool, c);
    }
    c[result].inc();
  }

  constructor(registry: Registry, store: CacheStore) {
    const registers = [registry];
    this.requests = new Counter({ name: m('cache_requests', 'total'), help: 'Requests on cached routes by result: hit, miss, stale, revalidated (304 from the server), bypass (session cookie, method, body), pass (hit-for-miss).', labelNames: ['pool', 'result'], registers });
    this.coalesced = new Counter({ name: m('cache_coalesced', 'total'), help: 'Requests that waited for another request\'s fetch of the same URL instead of going to a server.', labelNames: ['pool'], registers });
    this.waitTimeouts = new Counter({ name: m('cache_wait_timeouts', 'total'), help: 'Coalesced requests that stopped waiting after LB_CACHE_WAIT_TIMEOUT and went to a server.', labelNames: ['pool'], registers });
    this.hitForMiss = new Counter({ name: m('cache_hit_for_miss', 'total'), help: 'Uncacheable answers remembered as hit-for-miss (later requests for the URL do not wait on each other).', labelNames: ['pool'], registers });
    this.staleServed = new Counter({ name: m('cache_stale_served', 'total'), help: 'Stale objects served, by reason: swr (stale-while-revalidate), error (stale-if-error), grace (no server up).', labelNames: ['pool', 'reason'], registers });
    this.refreshes = new Counter({ name: m('cache_refreshes', 'total'), help: 'Background refreshes (stale-while-revalidate) by result: updated, not_modified, uncacheable, failed.', labelNames: ['pool', 'result'], registers });
    this.purges = new Counter({ name: m('cache_purges', 'total'), help: 'Purge requests, by where they came from (method PURGE or the admin API).', labelNames: ['via'], registers });
    this.bans = new Counter({ name: m('cache_bans', 'total'), help: 'Ban requests, by kind (keys, expression).', labelNames: ['kind'], registers });
    new Gauge({ name: m('cache_bytes'), help: 'Bytes held by the page cache (heads, bodies, overhead).', registers, collect() { this.set(store.bytes); } });
    new Gauge({ name: m('cache_max_bytes'), help: 'LB_CACHE_MAX_BYTES.', registers, collect() { this.set(store.maxBytes); } });
    new Gauge({ name: m('cache_objects'), help: 'Objects (variants) in the page cache.', registers, collect() { this.set(store.objects); } });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name: m(name, 'total'),
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter('cache_evictions', 'Objects evicted by the byte bound or the variant limit.', () => store.counters.evictions);
    counter('cache_purged_objects', 'Objects removed by purges.', () => store.counters.purged);
    counter('cache_banned_objects', 'Objects removed by bans.', () => store.counters.banned);
  }
}
