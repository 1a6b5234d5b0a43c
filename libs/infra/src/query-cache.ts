import { InfraError } from './infra-error.js';

/** MariaDB's query cache: `query_cache_type` and `query_cache_size`. */
export interface QueryCacheOptions {
  /** OFF (0), ON (1: every cacheable SELECT), DEMAND (2: only `SELECT SQL_CACHE …`). */
  type: 'OFF' | 'ON' | 'DEMAND';
  /** Bytes; MariaDB rounds it down to a multiple of 1024 (0 disables the cache whatever the type). */
  sizeBytes: number;
}

/** A query-cache setting that does not parse. */
export class QueryCacheConfigError extends InfraError {
  constructor(message: string) {
    super('INFRA_ERR_QUERY_CACHE', message);
  }
}

const TYPES: Record<string, QueryCacheOptions['type']> = { '0': 'OFF', off: 'OFF', '1': 'ON', on: 'ON', '2': 'DEMAND', demand: 'DEMAND' };
/** MariaDB refuses sizes above this on 64-bit builds only by memory; we bound it to keep typos out. */
const MAX_SIZE = 4 * 1024 * 1024 * 1024;

/** `OFF|ON|DEMAND` or `0|1|2` (case-insensitive). */
export function parseQueryCacheType(raw: string, what = 'query_cache_type'): QueryCacheOptions['type'] {
  const t = TYPES[raw.trim().toLowerCase()];
  if (!t) throw new QueryCacheConfigError(`${what} "${raw}" is invalid: expected OFF, ON or DEMAND (or 0, 1, 2)`);
  return t;
}

/** Bytes, with an optional K/M/G suffix (powers of 1024), like mariadbd's own option syntax. */
export function parseQueryCacheSize(raw: string, what = 'query_cache_size'): number {
  const m = /^(\d{1,10})([kmg]?)b?$/i.exec(raw.trim());
  if (!m) throw new QueryCacheConfigError(`${what} "${raw}" is invalid: expected bytes with an optional K, M or G suffix (e.g. 16M)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (n > MAX_SIZE) throw new QueryCacheConfigError(`${what} "${raw}" is too large: at most 4G`);
  if (n !== 0 && n < 40 * 1024) throw new QueryCacheConfigError(`${what} "${raw}" is too small: 0 (off) or at least 40K (MariaDB's minimum for a usable cache)`);
  return n;
}

/**
 * Both settings from their textual forms; either may be omitted (type defaults to ON when a size is
 * given, size to 16M when the type is ON/DEMAND). Undefined when neither is set: the server's default
 * (MariaDB 10.11: OFF, 1M).
 */
export function parseQueryCache(type: string | undefined, size: string | undefined, names = { type: 'query_cache_type', size: 'query_cache_size' }): QueryCacheOptions | undefined {
  if ((type === undefined || type === '') && (size === undefined || size === '')) return undefined;
  const t = type ? parseQueryCacheType(type, names.type) : 'ON';
  const s = size ? parseQueryCacheSize(size, names.size) : t === 'OFF' ? 0 : 16 * 1024 * 1024;
  return { type: t, sizeBytes: s };
}

/** mariadbd arguments for a setting. */
export function queryCacheArgs(q: QueryCacheOptions): string[] {
  return [`--query-cache-type=${q.type}`, `--query-cache-size=${q.sizeBytes}`];
}
