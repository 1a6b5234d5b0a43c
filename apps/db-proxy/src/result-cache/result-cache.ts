import { GtidPosition } from '@scaleout/replication';
import { matchRule, type CacheRule } from './cache-rules.js';
import type { ResultCacheMetrics } from './result-cache-metrics.js';
import type { TableKey, WriteSet } from './statement-tables.js';

interface Entry {
  key: string;
  bytes: Buffer;
  tables: TableKey[];
  expires: number;
  size: number;
}

interface TableState {
  gen: number;
  /** Position of the last write: a reader fills only once it is known to have it. */
  pos: GtidPosition;
  /** Without a position (session without GTID tracking, peer without one): reader fills refused until then. */
  readerFillsAfter: number;
}

/** Taken at a miss; the fill is stored only if no write touched its tables in between. */
export interface FillTicket {
  key: string;
  rule: CacheRule;
  tables: TableKey[];
  gens: number[];
  globalGen: number;
}

export interface ResultCacheOptions {
  rules: CacheRule[];
  maxBytes: number;
  maxEntryBytes: number;
  /** Readers may lag this much (DBPROXY_MAX_LAG): the window for writes whose GTID is unknown. */
  maxLagMs: number;
  metrics: ResultCacheMetrics;
  now?: () => number;
}

/** Where a fill came from, for the lagging-reader check. */
export interface FillSource {
  isWriter: boolean;
  known: GtidPosition;
}

const ENTRY_OVERHEAD = 160;
const MAX_TABLE_STATES = 10_000;

/**
 * Result sets of SELECTs matching a rule, keyed by everything that changes their bytes (user, client
 * profile, schema, session settings, statement text). LRU by bytes; TTL per rule; per-table generations
 * make an invalidation win over a fill that was in flight when it happened.
 */
export class ResultCache {
  readonly rules: CacheRule[];
  readonly maxEntryBytes: number;
  readonly #maxBytes: number;
  readonly #maxLagMs: number;
  readonly metrics: ResultCacheMetrics;
  readonly #now: () => number;
  /** Insertion order = LRU order (a hit moves its entry to the end). */
  readonly #entries = new Map<string, Entry>();
  readonly #byTable = new Map<TableKey, Set<string>>();
  readonly #tables = new Map<TableKey, TableState>();
  #globalGen = 0;
  #global: TableState = { gen: 0, pos: GtidPosition.EMPTY, readerFillsAfter: 0 };
  #bytes = 0;
  /** Told of every local invalidation (peer propagation). */
  onInvalidate: ((tables: WriteSet, pos: GtidPosition) => void) | undefined;

  constructor(options: ResultCacheOptions) {
    this.rules = options.rules;
    this.#maxBytes = options.maxBytes;
    this.maxEntryBytes = options.maxEntryBytes;
    this.#maxLagMs = options.maxLagMs;
    this.metrics = options.metrics;
    this.#now = options.now ?? Date.now;
    this.metrics.observe(() => ({ bytes: this.#bytes, entries: this.#entries.size }));
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  match(sql: string): CacheRule | undefined {
    return matchRule(this.rules, sql);
  }

  /** A live entry's bytes (counted as a hit), else undefined (counted as a miss by the caller via {@link ticket}). */
  get(key: string, rule: CacheRule): Buffer | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#now()) {
      this.#delete(e);
      this.metrics.expired.inc();
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.metrics.hit(rule.name);
    return e.bytes;
  }

  ticket(key: string, rule: CacheRule, tables: TableKey[]): FillTicket {
    this.metrics.miss(rule.name);
    return { key, rule, tables, gens: tables.map((t) => this.#tables.get(t)?.gen ?? 0), globalGen: this.#globalGen };
  }

  /** Stores a fill unless a write raced it or it came from a reader that may not have the latest writes. */
  store(t: FillTicket, bytes: Buffer, source: FillSource): boolean {
    if (t.globalGen !== this.#globalGen || t.tables.some((tb, i) => (this.#tables.get(tb)?.gen ?? 0) !== t.gens[i])) {
      this.metrics.notStored.inc({ reason: 'raced_write' });
      return false;
    }
    if (!source.isWriter) {
      const now = this.#now();
      const states = [this.#global, ...t.tables.map((tb) => this.#tables.get(tb))];
      for (const s of states) {
        if (!s) continue;
        if (now < s.readerFillsAfter || !source.known.contains(s.pos)) {
          this.metrics.notStored.inc({ reason: 'reader_behind' });
          return false;
        }
      }
    }
    const size = bytes.length + t.key.length * 2 + ENTRY_OVERHEAD + t.tables.length * 32;
    if (bytes.length > this.maxEntryBytes || size > this.#maxBytes) {
      this.metrics.notStored.inc({ reason: 'too_large' });
      return false;
    }
    const old = this.#entries.get(t.key);
    if (old) this.#delete(old);
    const e: Entry = { key: t.key, bytes, tables: t.tables, expires: this.#now() + t.rule.ttlMs, size };
    this.#entries.set(t.key, e);
    this.#bytes += size;
    for (const tb of t.tables) {
      let s = this.#byTable.get(tb);
      if (!s) this.#byTable.set(tb, (s = new Set()));
      s.add(t.key);
    }
    this.metrics.stored.inc();
    while (this.#bytes > this.#maxBytes) {
      const lru = this.#entries.values().next().value as Entry;
      this.#delete(lru);
      this.metrics.evictions.inc();
    }
    return true;
  }

  /**
   * A write through this proxy (or a peer) changed `tables` ('all': unknown tables). `pos` is the GTID
   * position of the write when known (empty otherwise: reader fills wait DBPROXY_MAX_LAG).
   */
  invalidate(tables: WriteSet, pos: GtidPosition, source: 'local' | 'peer'): void {
    const after = pos.isEmpty ? this.#now() + this.#maxLagMs : 0;
    if (tables === 'all' || this.#tables.size + tables.length > MAX_TABLE_STATES) {
      this.#globalGen++;
      this.#global = { gen: this.#globalGen, pos: this.#global.pos.merge(pos), readerFillsAfter: Math.max(this.#global.readerFillsAfter, after) };
      this.#tables.clear();
      const n = this.#entries.size;
      this.#entries.clear();
      this.#byTable.clear();
      this.#bytes = 0;
      this.metrics.invalidations.inc({ source, scope: 'all' });
      this.metrics.invalidatedEntries.inc(n);
    } else {
      for (const tb of tables) {
        const s = this.#tables.get(tb);
        this.#tables.set(tb, { gen: (s?.gen ?? 0) + 1, pos: (s?.pos ?? GtidPosition.EMPTY).merge(pos), readerFillsAfter: Math.max(s?.readerFillsAfter ?? 0, after) });
        const keys = this.#byTable.get(tb);
        if (keys) {
          for (const k of [...keys]) {
            const e = this.#entries.get(k);
            if (e) {
              this.#delete(e);
              this.metrics.invalidatedEntries.inc();
            }
          }
        }
      }
      this.metrics.invalidations.inc({ source, scope: 'table' }, tables.length);
    }
    if (source === 'local') this.onInvalidate?.(tables, pos);
  }

  #delete(e: Entry): void {
    if (this.#entries.get(e.key) !== e) return;
    this.#entries.delete(e.key);
    this.#bytes -= e.size;
    for (const tb of e.tables) {
      const s = this.#byTable.get(tb);
      if (!s) continue;
      s.delete(e.key);
      if (s.size === 0) this.#byTable.delete(tb);
    }
  }
}
