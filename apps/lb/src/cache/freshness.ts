import { parseCacheControl, type CacheDirectives } from './cache-control.js';

/** Statuses a cache may store with heuristic (here: the configured default) freshness, RFC 9110 §15.1 (206 excepted: no ranges). */
const HEURISTIC = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);
/** Statuses stored only with explicit freshness (max-age, s-maxage, Expires). */
const EXPLICIT_ONLY = new Set([302, 303, 307, 451]);

/** Headers of a response as the cache sees them: lowercased names and values, in order. */
export interface HeaderList {
  names: readonly string[];
  values: readonly string[];
}

export function headerValues(h: HeaderList, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.names.length; i++) if (h.names[i] === name) out.push(h.values[i]!);
  return out;
}

export function headerValue(h: HeaderList, name: string): string | undefined {
  const i = h.names.indexOf(name);
  return i < 0 ? undefined : h.values[i];
}

/** HTTP-date → ms since the epoch; NaN when invalid. */
export function parseHttpDate(v: string | undefined): number {
  if (v === undefined) return Number.NaN;
  // IMF-fixdate, RFC 850 and asctime all parse with Date.parse; reject bare numbers ("0", "-1").
  if (/^\s*-?\d+\s*$/.test(v)) return Number.NaN;
  return Date.parse(v);
}

/** How a response may be kept: freshness and the RFC 5861 / revalidation rules. */
export interface Freshness {
  /** Freshness lifetime (ms). */
  lifetimeMs: number;
  /** Age of the response when it arrived (ms): RFC 9111 §4.2.3 corrected initial age. */
  initialAgeMs: number;
  /** May be served stale this long while one background refresh runs (ms). */
  swrMs: number;
  /** May be served stale this long when the server fails (ms). */
  sieMs: number;
  /** must-revalidate / proxy-revalidate: never served stale (no stale-while-revalidate, stale-if-error or grace). */
  mustRevalidate: boolean;
  /** Grace (LB_CACHE_GRACE) applies: not with must-revalidate, proxy-revalidate or s-maxage (which implies proxy-revalidate). */
  graceAllowed: boolean;
  /** no-cache: stored, but validated with the server before every use. */
  noCache: boolean;
  etag: string | null;
  lastModified: number | null;
}

export interface StoreDecision {
  ok: boolean;
  /** Why not (for logs and tests) when !ok. */
  reason: string;
  freshness: Freshness | null;
  directives: CacheDirectives;
}

export interface FreshnessOptions {
  /** Freshness given to responses without explicit freshness (0 = none: only explicit freshness is cached). */
  defaultTtlMs: number;
}

/**
 * RFC 9111 §3 (storing) and §4.2 (freshness) for a shared cache, plus this cache's policies: never a
 * response that sets a cookie, never `Vary: *`. `requestMs` is when the request left, `responseMs`
 * when the response head arrived; `authorized` when the request carried Authorization (§3.5).
 */
export function decideStore(status: number, h: HeaderList, requestMs: number, responseMs: number, authorized: boolean, o: FreshnessOptions): StoreDecision {
  const cc = parseCacheControl(headerValues(h, 'cache-control'));
  const no = (reason: string): StoreDecision => ({ ok: false, reason, freshness: null, directives: cc });
  if (cc.noStore) return no('no-store');
  if (cc.private) return no('private');
  if (h.names.includes('set-cookie')) return no('set-cookie');
  const vary = headerValues(h, 'vary').join(',');
  if (vary.split(',').some((t) => t.trim() === '*')) return no('vary-star');
  if (authorized && !cc.public && cc.sMaxAge === null && !cc.mustRevalidate) return no('authorization');
  const explicit = cc.sMaxAge !== null || cc.maxAge !== null || h.names.includes('expires');
  if (!HEURISTIC.has(status) && !(explicit && EXPLICIT_ONLY.has(status))) return no(`status-${status}`);

  const dateMs = parseHttpDate(headerValue(h, 'date'));
  let lifetimeMs: number;
  if (cc.sMaxAge !== null) lifetimeMs = cc.sMaxAge * 1000;
  else if (cc.maxAge !== null) lifetimeMs = cc.maxAge * 1000;
  else if (h.names.includes('expires')) {
    const exp = parseHttpDate(headerValue(h, 'expires'));
    // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
    lifetimeMs = Number.isNaN(exp) ? 0 : Math.max(0, exp - (Number.isNaN(dateMs) ? responseMs : dateMs));
  } else lifetimeMs = o.defaultTtlMs;
  if (cc.noCache) lifetimeMs = 0;

  // §4.2.3: apparent_age = max(0, response_time - date_value); corrected_age_value = age_value + response_delay.
  const ageRaw = headerValue(h, 'age');
  const ageValue = ageRaw !== undefined && /^\d+$/.test(ageRaw) ? Math.min(Number(ageRaw), 2_147_483_648) * 1000 : 0;
  const apparent = Number.isNaN(dateMs) ? 0 : Math.max(0, responseMs - dateMs - 999); // Date has 1 s resolution
  const corrected = ageValue + Math.max(0, responseMs - requestMs);
  const initialAgeMs = Math.max(apparent, corrected);

  const etag = headerValue(h, 'etag') ?? null;
  const lm = parseHttpDate(headerValue(h, 'last-modified'));
  const mustRevalidate = cc.mustRevalidate || cc.proxyRevalidate;
  const freshness: Freshness = {
    lifetimeMs,
    initialAgeMs,
    swrMs: mustRevalidate || cc.noCache ? 0 : (cc.staleWhileRevalidate ?? 0) * 1000,
    sieMs: mustRevalidate ? 0 : (cc.staleIfError ?? 0) * 1000,
    mustRevalidate,
    graceAllowed: !mustRevalidate && cc.sMaxAge === null,
    noCache: cc.noCache,
    etag,
    lastModified: Number.isNaN(lm) ? null : lm,
  };
  const validators = etag !== null || freshness.lastModified !== null;
  if (lifetimeMs <= initialAgeMs && !validators && freshness.swrMs === 0 && freshness.sieMs === 0) return no(lifetimeMs === 0 ? 'no-freshness' : 'already-stale');
  return { ok: true, reason: '', freshness, directives: cc };
}

/** Weak comparison of entity tags (RFC 9110 §8.8.3.2): `If-None-Match` against a stored ETag. */
export function etagMatches(ifNoneMatch: string, etag: string | null): boolean {
  if (ifNoneMatch.trim() === '*') return etag !== null;
  if (etag === null) return false;
  const strip = (t: string) => (t.startsWith('W/') ? t.slice(2) : t);
  const want = strip(etag.trim());
  return ifNoneMatch.split(',').some((t) => strip(t.trim()) === want);
}
