import type { Registry } from '@scaleout/metrics';
import { bearerChecker, type Logger } from '@scaleout/service';
import type { Pool } from '../pool.js';
import type { RequestHead } from '../request-head.js';
import { CacheMetrics } from './cache-metrics.js';
import { CacheObject, type StoredHeaders } from './cache-object.js';
import { CacheStore } from './cache-store.js';
import { decideStore, headerValues, type HeaderList } from './freshness.js';
import { parseBanExpression } from './ban-expression.js';

/** Page cache settings (LB_CACHE_*; see config.ts). */
export interface CacheSettings {
  /** Cached pools and, for each, the path prefixes cached. */
  pools: ReadonlyMap<string, readonly string[]>;
  maxBytes: number;
  maxObjectBytes: number;
  maxVariants: number;
  defaultTtlMs: number;
  graceMs: number;
  keepMs: number;
  waitTimeoutMs: number;
  hitForMissMs: number;
  bypassCookies: readonly string[];
}

/** Something waiting for another request's fetch of the same URL. */
export interface CacheWaiter {
  /** The fetch ended (stored, uncacheable or failed): look up again or go to a server. */
  cacheWake(failed: boolean): void;
}

interface Fetching {
  waiters: Set<CacheWaiter>;
}

/** A request on a cached route going to a server; what the cache needs to store its answer. */
export class CacheFetch {
  readonly requestMs: number;
  /** Body bytes captured so far (null when not capturing). */
  parts: Buffer[] | null = null;
  bytes = 0;
  finished = false;
  constructor(
    readonly key: string,
    readonly host: string,
    readonly target: string,
    readonly pool: string,
    /** This request fetches for others waiting on the same key. */
    readonly leader: boolean,
    /** A stale variant: validators sent to the server, served on a 304 or on an error. */
    readonly stale: CacheObject | null,
    readonly head: RequestHead,
    readonly cookieRest: string | null,
    now: number,
  ) {
    this.requestMs = now;
  }
}

export type Lookup =
  | { kind: 'bypass' }
  | { kind: 'hit'; obj: CacheObject; result: 'hit' | 'stale' }
  | { kind: 'wait' }
  | { kind: 'fetch'; fetch: CacheFetch };

// Above the 100 product keys (+ `catalogue`) of the largest catalogue page web serves (pageSize ≤ 100).
const SURROGATE_LIMIT = 128;

/** Hop-by-hop and per-response names never stored (framing is re-added, Age recomputed). */
const NOT_STORED = new Set(['age', 'set-cookie', 'x-cache', 'via']);

/** Headers of a 304 that do not update a stored response (RFC 9111 §3.2). */
const NOT_UPDATED = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding', 'x-cache', 'age', 'set-cookie', 'via']);

export function hasCookie(cookie: string, name: string): boolean {
  if (cookie === '') return false;
  let at = cookie.indexOf(`${name}=`);
  while (at >= 0) {
    if (at === 0 || cookie.charCodeAt(at - 1) === 32 || cookie.charCodeAt(at - 1) === 59) return true;
    at = cookie.indexOf(`${name}=`, at + 1);
  }
  return false;
}

/** The request's value of a header named by Vary (Cookie without the LB's sticky cookie). */
function requestValue(h: RequestHead, cookieRest: string | null, name: string): string {
  if (name === 'cookie') return cookieRest ?? h.cookie;
  const out: string[] = [];
  for (let i = 0; i < h.names.length; i++) if (h.names[i] === name) out.push(h.values[i]!.trim());
  return out.join(', ');
}

function varyNamesOf(h: HeaderList): string[] {
  const names = new Set<string>();
  for (const v of headerValues(h, 'vary')) for (const t of v.split(',')) if (t.trim() !== '') names.add(t.trim().toLowerCase());
  return [...names].sort();
}

function surrogateKeysOf(h: HeaderList): string[] {
  const keys = new Set<string>();
  for (const n of ['surrogate-key', 'xkey']) for (const v of headerValues(h, n)) for (const k of v.split(/[\s,]+/)) if (k !== '' && keys.size < SURROGATE_LIMIT) keys.add(k);
  return [...keys];
}

/** Headers of a server response as stored: without Age, Via, Set-Cookie; upstream X-Cache as X-Cache-Upstream. */
export function storedHeaders(rawNames: readonly string[], names: readonly string[], values: readonly string[]): StoredHeaders {
  const out: StoredHeaders = { rawNames: [], names: [], values: [] };
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n === 'x-cache') {
      out.rawNames.push('X-Cache-Upstream');
      out.names.push('x-cache-upstream');
      out.values.push(values[i]!);
      continue;
    }
    if (NOT_STORED.has(n) || n === 'content-length' || n === 'transfer-encoding' || n === 'connection' || n === 'keep-alive') continue;
    out.rawNames.push(rawNames[i]!);
    out.names.push(n);
    out.values.push(values[i]!);
  }
  return out;
}

/**
 * The LB's full-page cache (RFC 9111 shared cache, RFC 5861, Varnish's request coalescing, hit-for-
 * miss, purge and bans): lookups, the waiting list, storing answers, refreshing on 304, invalidation.
 * The data plane ({@link Exchange}) calls it only for pools that have a cache.
 */
export class PageCache {
  readonly store: CacheStore;
  readonly metrics: CacheMetrics;
  readonly #fetching = new Map<string, Fetching>();
  /** key → until (ms): recent answers were uncacheable, requests for it do not wait on each other. */
  readonly #hitForMiss = new Map<string, number>();

  readonly #authorized: (header: string | undefined) => boolean;

  constructor(
    readonly settings: CacheSettings,
    registry: Registry,
    readonly logger: Logger,
    /** Bearer token of method PURGE (SCALEOUT_ADMIN_TOKEN). */
    purgeToken: string,
  ) {
    this.store = new CacheStore(settings.maxBytes, settings.maxVariants);
    this.metrics = new CacheMetrics(registry, this.store);
    this.#authorized = bearerChecker(purgeToken);
  }

  purgeAuthorized(authorization: string | undefined): boolean {
    return this.#authorized(authorization);
  }

  /** The pool has a cache and the path is under one of its prefixes. */
  covers(pool: string, target: string): boolean {
    const prefixes = this.settings.pools.get(pool);
    if (prefixes === undefined) return false;
    for (const p of prefixes) if (target.startsWith(p)) return true;
    return false;
  }

  caches(pool: string): boolean {
    return this.settings.pools.has(pool);
  }

  static keyOf(host: string, target: string): string {
    return `${host.toLowerCase()}${target}`;
  }

  /** Decide how a request on a cached route is answered; `waiter` joins the waiting list on 'wait'. */
  lookup(h: RequestHead, cookieRest: string | null, pool: Pool, now: number, waiter: CacheWaiter, coalesce: boolean): Lookup {
    const s = this.settings;
    if ((h.method !== 'GET' && h.method !== 'HEAD') || h.contentLength > 0 || h.chunked || h.upgrade !== null) return this.#bypass(pool);
    if (h.cookie !== '') for (const c of s.bypassCookies) if (hasCookie(h.cookie, c)) return this.#bypass(pool);
    if (h.names.includes('authorization') || h.names.includes('range')) return this.#bypass(pool);
    const key = PageCache.keyOf(h.host, h.target);
    const obj = this.#find(key, h, cookieRest, now);
    if (obj !== null) {
      if (obj.fresh(now)) {
        this.store.touch(obj);
        this.metrics.count(pool.name, 'hit');
        return { kind: 'hit', obj, result: 'hit' };
      }
      const f = obj.freshness;
      const staleness = obj.staleness(now);
      if (!f.noCache && !f.mustRevalidate && !pool.anyUp && staleness <= Math.max(f.sieMs, f.graceAllowed ? s.graceMs : 0)) {
        this.metrics.staleServed.labels({ pool: pool.name, reason: 'grace' }).inc();
        this.metrics.count(pool.name, 'stale');
        return { kind: 'hit', obj, result: 'stale' };
      }
      if (f.swrMs > 0 && staleness <= f.swrMs) {
        this.metrics.staleServed.labels({ pool: pool.name, reason: 'swr' }).inc();
        if (!obj.refreshing) this.#refresh(obj, pool, h);
        this.metrics.count(pool.name, 'stale');
        return { kind: 'hit', obj, result: 'stale' };
      }
    }
    const hfm = this.#hitForMiss.get(key);
    const passing = hfm !== undefined && hfm > now;
    if (hfm !== undefined && !passing) this.#hitForMiss.delete(key);
    if (h.method === 'HEAD' || passing || !coalesce || s.waitTimeoutMs === 0) {
      this.metrics.count(pool.name, passing ? 'pass' : 'miss');
      return { kind: 'fetch', fetch: new CacheFetch(key, h.host.toLowerCase(), h.target, pool.name, false, obj, h, cookieRest, now) };
    }
    const busy = this.#fetching.get(key);
    if (busy !== undefined) {
      busy.waiters.add(waiter);
      this.metrics.coalesced.labels({ pool: pool.name }).inc();
      return { kind: 'wait' };
    }
    this.#fetching.set(key, { waiters: new Set() });
    this.metrics.count(pool.name, 'miss');
    return { kind: 'fetch', fetch: new CacheFetch(key, h.host.toLowerCase(), h.target, pool.name, true, obj, h, cookieRest, now) };
  }

  #bypass(pool: Pool): Lookup {
    this.metrics.count(pool.name, 'bypass');
    return { kind: 'bypass' };
  }

  /** The variant matching the request, dropping variants kept past their usefulness. */
  #find(key: string, h: RequestHead, cookieRest: string | null, now: number): CacheObject | null {
    const list = this.store.variants(key);
    if (list === undefined) return null;
    const s = this.settings;
    for (const o of list) {
      let match = true;
      for (let i = 0; i < o.varyNames.length; i++) {
        if (requestValue(h, cookieRest, o.varyNames[i]!) !== o.varyValues[i]) {
          match = false;
          break;
        }
      }
      if (!match) continue;
      if (o.staleness(now) > o.keepPastMs(s.graceMs, s.keepMs)) {
        this.store.remove(o);
        return null;
      }
      return o;
    }
    return null;
  }

  /** A waiter gave up (client gone or wait timeout). */
  unwait(key: string, waiter: CacheWaiter): void {
    this.#fetching.get(key)?.waiters.delete(waiter);
  }

  /** A stale object that may answer in place of a failed fetch (stale-if-error, grace). */
  staleForError(f: CacheFetch, now: number): CacheObject | null {
    const o = f.stale;
    if (o === null || o.dead) return null;
    const fr = o.freshness;
    if (fr.mustRevalidate) return null;
    const st = o.staleness(now);
    if (st <= fr.sieMs || (!fr.noCache && fr.graceAllowed && st <= this.settings.graceMs)) {
      this.metrics.staleServed.labels({ pool: f.pool, reason: 'error' }).inc();
      return o;
    }
    return null;
  }

  /**
   * Decide whether the server's answer is kept: starts capturing its body (returns true) or records
   * hit-for-miss. `contentLength` is -1 for chunked bodies.
   */
  begin(f: CacheFetch, status: number, h: HeaderList, contentLength: number, now: number): boolean {
    if (f.head.method !== 'GET') return false;
    const d = decideStore(status, h, f.requestMs, now, false, { defaultTtlMs: this.settings.defaultTtlMs });
    if (!d.ok || contentLength > this.settings.maxObjectBytes) {
      this.#uncacheable(f, now);
      return false;
    }
    f.parts = [];
    return true;
  }

  /** Body bytes of a captured answer; over the object size limit the capture stops. */
  capture(f: CacheFetch, b: Buffer): void {
    if (f.parts === null) return;
    f.bytes += b.length;
    if (f.bytes > this.settings.maxObjectBytes) {
      f.parts = null;
      this.#uncacheable(f, Date.now());
      return;
    }
    f.parts.push(Buffer.from(b)); // a copy: socket buffers may be pooled
  }

  /** The answer is complete: store it (when captured) and wake the waiters. */
  complete(f: CacheFetch, status: number, reason: string, rawNames: readonly string[], names: readonly string[], values: readonly string[], responseMs: number): void {
    if (f.finished) return;
    if (f.parts !== null) {
      const body = f.parts.length === 1 ? f.parts[0]! : Buffer.concat(f.parts, f.bytes);
      f.parts = null;
      const o = this.storeAnswer(f.key, f.host, f.target, (n) => requestValue(f.head, f.cookieRest, n), status, reason, { names, values }, storedHeaders(rawNames, names, values), body, f.requestMs, responseMs);
      if (o === null) this.#uncacheable(f, responseMs);
      else this.#hitForMiss.delete(f.key);
    }
    this.#end(f, false);
  }

  /** The fetch ended without an answer to store (error, client gone, response cut). */
  abandon(f: CacheFetch, failed: boolean): void {
    if (f.finished) return;
    f.parts = null;
    this.#end(f, failed);
  }

  #end(f: CacheFetch, failed: boolean): void {
    f.finished = true;
    if (!f.leader) return;
    const w = this.#fetching.get(f.key);
    this.#fetching.delete(f.key);
    if (w !== undefined) for (const x of w.waiters) x.cacheWake(failed);
  }

  /** The answer cannot be captured (close-delimited): hit-for-miss. */
  notStored(f: CacheFetch): void {
    this.#uncacheable(f, Date.now());
  }

  #uncacheable(f: CacheFetch, now: number): void {
    if (this.settings.hitForMissMs > 0 && !this.#hitForMiss.has(f.key)) {
      if (this.#hitForMiss.size >= 100_000) this.#hitForMiss.delete(this.#hitForMiss.keys().next().value!);
      this.#hitForMiss.set(f.key, now + this.settings.hitForMissMs);
      this.metrics.hitForMiss.labels({ pool: f.pool }).inc();
    }
    if (f.stale !== null) this.store.remove(f.stale);
  }

  /** Store a complete answer (from a client's fetch or a background refresh); `received` are the headers as they came (with Age). */
  storeAnswer(key: string, host: string, target: string, reqValue: (name: string) => string, status: number, reason: string, received: HeaderList, headers: StoredHeaders, body: Buffer, requestMs: number, responseMs: number): CacheObject | null {
    const d = decideStore(status, received, requestMs, responseMs, false, { defaultTtlMs: this.settings.defaultTtlMs });
    if (!d.ok || body.length > this.settings.maxObjectBytes) return null;
    const vary = varyNamesOf(headers);
    const o = new CacheObject(key, host, target, status, reason, headers, body, d.freshness!, responseMs, vary, vary.map(reqValue), surrogateKeysOf(headers));
    if (o.size > this.store.maxBytes) return null;
    this.store.insert(o);
    return o;
  }

  /** A 304 answered our validators: merge its headers into the stored object (RFC 9111 §4.3.4). Returns false when the object may no longer be stored. */
  revalidated(o: CacheObject, rawNames: readonly string[], names: readonly string[], values: readonly string[], requestMs: number, responseMs: number): boolean {
    const update = new Set<string>();
    for (const n of names) if (!NOT_UPDATED.has(n)) update.add(n);
    const merged: StoredHeaders = { rawNames: [], names: [], values: [] };
    const old = o.headers;
    for (let i = 0; i < old.names.length; i++) {
      if (update.has(old.names[i]!)) continue;
      merged.rawNames.push(old.rawNames[i]!);
      merged.names.push(old.names[i]!);
      merged.values.push(old.values[i]!);
    }
    const fresh = storedHeaders(rawNames, names, values);
    for (let i = 0; i < fresh.names.length; i++) {
      if (!update.has(fresh.names[i]!)) continue;
      merged.rawNames.push(fresh.rawNames[i]!);
      merged.names.push(fresh.names[i]!);
      merged.values.push(fresh.values[i]!);
    }
    const ageAt = names.indexOf('age');
    const judged: HeaderList = ageAt < 0 ? merged : { names: [...merged.names, 'age'], values: [...merged.values, values[ageAt]!] };
    const d = decideStore(o.status, judged, requestMs, responseMs, false, { defaultTtlMs: this.settings.defaultTtlMs });
    if (!d.ok) {
      this.store.remove(o);
      return false;
    }
    if (o.dead) return true;
    const oldSize = o.size;
    const oldKeys = o.surrogateKeys;
    o.refresh(merged, d.freshness!, responseMs, surrogateKeysOf(merged));
    this.store.resized(o, oldSize, oldKeys);
    this.store.touch(o);
    return true;
  }

  #refresh(o: CacheObject, pool: Pool, h: RequestHead): void {
    if (this.refresher === null) return;
    o.refreshing = true;
    const headers: Record<string, string> = { host: h.host };
    for (let i = 0; i < o.varyNames.length; i++) if (o.varyValues[i] !== '') headers[o.varyNames[i]!] = o.varyValues[i]!;
    this.refresher(o, pool, headers);
  }

  /** Runs a background refresh (set by the app: it needs the pools and the HTTP agent). */
  refresher: ((o: CacheObject, pool: Pool, headers: Record<string, string>) => void) | null = null;

  // ---- invalidation -------------------------------------------------------------------------------

  /** Purge one URL: `http://host/path` (that host) or `/path` (every host). */
  purgeUrl(url: string, via: 'method' | 'api'): number {
    this.metrics.purges.labels({ via }).inc();
    if (url.startsWith('/')) return this.store.purgeTarget(url);
    const m = /^https?:\/\/([^/?#]+)(\/[^#]*)?$/i.exec(url);
    if (m === null) throw new Error('expected an absolute http(s) URL or a path starting with /');
    return this.store.purgeKey(PageCache.keyOf(m[1]!, m[2] ?? '/'));
  }

  banKeys(keys: readonly string[]): number {
    this.metrics.bans.labels({ kind: 'keys' }).inc();
    return this.store.banKeys(keys);
  }

  /** Ban by expression; throws BanSyntaxError when it does not parse. */
  banExpression(expr: string): number {
    const match = parseBanExpression(expr);
    this.metrics.bans.labels({ kind: 'expression' }).inc();
    return this.store.banWhere(match);
  }

  stats() {
    const c = this.store.counters;
    return {
      pools: Object.fromEntries([...this.settings.pools].map(([k, v]) => [k, [...v]])),
      objects: this.store.objects,
      bytes: this.store.bytes,
      maxBytes: this.store.maxBytes,
      maxObjectBytes: this.settings.maxObjectBytes,
      evictions: c.evictions,
      purged: c.purged,
      banned: c.banned,
      fetching: this.#fetching.size,
      hitForMiss: this.#hitForMiss.size,
    };
  }
}
