import { Counter, Gauge, metricName, type Registry } from '@scaleout/metrics';

const SERVICE = 'db-proxy';

/** Metrics of the result cache (README "Result cache"). */
export class ResultCacheMetrics {
  readonly hits: Counter<'rule'>;
  readonly misses: Counter<'rule'>;
  readonly bypass: Counter<'reason'>;
  readonly stored: Counter;
  readonly notStored: Counter<'reason'>;
  readonly invalidations: Counter<'source' | 'scope'>;
  readonly invalidatedEntries: Counter;
  readonly evictions: Counter;
  readonly expired: Counter;
  readonly peerErrors: Counter;
  #sizes: () => { bytes: number; entries: number } = () => ({ bytes: 0, entries: 0 });
  readonly #hitChildren = new Map<string, { inc(): void }>();
  readonly #missChildren = new Map<string, { inc(): void }>();

  constructor(registry: Registry) {
    const registers = [registry];
    const name = (n: string, unit?: string) => metricName(SERVICE, `result_cache_${n}`, unit);
    this.hits = new Counter({ name: name('hits', 'total'), help: 'Queries answered from the result cache, by rule.', labelNames: ['rule'], registers });
    this.misses = new Counter({ name: name('misses', 'total'), help: 'Cacheable queries (rule matched) not in the cache, by rule.', labelNames: ['rule'], registers });
    this.bypass = new Counter({
      name: name('bypass', 'total'),
      help: 'Queries matching a rule that were not looked up: transaction, session (pinned, not autocommit), nondeterministic, uncacheable (tables not understood, not one plain SELECT).',
      labelNames: ['reason'],
      registers,
    });
    this.stored = new Counter({ name: name('stored', 'total'), help: 'Result sets stored.', registers });
    this.notStored = new Counter({
      name: name('not_stored', 'total'),
      help: 'Misses whose result was not stored: raced_write, reader_behind (reader may lack a recent write), too_large, error.',
      labelNames: ['reason'],
      registers,
    });
    this.invalidations = new Counter({
      name: name('invalidations', 'total'),
      help: 'Table invalidations by writes (scope table: per table; all: a write whose tables are unknown), from this proxy (local) or a peer.',
      labelNames: ['source', 'scope'],
      registers,
    });
    this.invalidatedEntries = new Counter({ name: name('invalidated_entries', 'total'), help: 'Entries removed by invalidations.', registers });
    this.evictions = new Counter({ name: name('evictions', 'total'), help: 'Entries evicted (LRU) to stay within DBPROXY_RESULT_CACHE_MAX_BYTES.', registers });
    this.expired = new Counter({ name: name('expired', 'total'), help: 'Entries found past their TTL.', registers });
    this.peerErrors = new Counter({ name: name('peer_errors', 'total'), help: 'Invalidations that could not be sent to a peer proxy.', registers });
    const sizes = () => this.#sizes();
    new Gauge({
      name: name('bytes'),
      help: 'Bytes held by the result cache (results plus bookkeeping).',
      registers,
      collect() {
        this.set(sizes().bytes);
      },
    });
    new Gauge({
      name: name('entries'),
      help: 'Result sets held.',
      registers,
      collect() {
        this.set(sizes().entries);
      },
    });
  }

  observe(sizes: () => { bytes: number; entries: number }): void {
    this.#sizes = sizes;
  }

  hit(rule: string): void {
    let c = this.#hitChildren.get(rule);
    if (!c) this.#hitChildren.set(rule, (c = this.hits.labels(rule)));
    c.inc();
  }

  miss(rule: string): void {
    let c = this.#missChildren.get(rule);
    if (!c) this.#missChildren.set(rule, (c = this.misses.labels(rule)));
    c.inc();
  }
}
