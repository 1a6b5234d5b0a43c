import { MemcacheError } from './memcache-error.js';

/**
 * memcached reads an exptime up to 30 days (2,592,000 s) as relative seconds and anything larger as an
 * absolute Unix time, so a relative TTL of 31 days would be taken as a date in January 1970 and the item
 * would expire at once.
 */
export const MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30;

/** Largest absolute expiry that fits the 32-bit exptime and flags fields (2106-02-07). */
const MAX_UNIX_SECONDS = 0xffff_ffff;

/** How long an item lives: `ttl` seconds from now (0 = no expiry) or an absolute `expiresAt` (Unix ms). */
export interface TtlOptions {
  /** Seconds from now; 0 means no expiry (the item can still be evicted). */
  ttl?: number;
  /** Absolute expiry as Unix epoch milliseconds (wins over `ttl`). */
  expiresAt?: number;
}

/**
 * The absolute expiry in whole Unix seconds for `opts` (0 = never), rounded up so an item never dies
 * before it was asked to. Throws `MEMCACHE_ERR_BAD_TTL` for negative, non-finite or past values.
 */
export function expirySeconds(opts: TtlOptions | undefined, nowMs: number, defaultTtl = 0): number {
  if (opts?.expiresAt !== undefined) {
    const at = opts.expiresAt;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_TTL', `expiresAt must be a finite Unix time in ms, got ${String(at)}`);
    }
    if (at <= nowMs) throw new MemcacheError('MEMCACHE_ERR_BAD_TTL', `expiresAt ${new Date(at).toISOString()} is not in the future`);
    return checkRange(Math.ceil(at / 1000));
  }
  const ttl = opts?.ttl ?? defaultTtl;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new MemcacheError('MEMCACHE_ERR_BAD_TTL', `ttl must be a number of seconds >= 0, got ${String(ttl)}`);
  }
  if (ttl === 0) return 0;
  return checkRange(Math.ceil(nowMs / 1000 + ttl));
}

function checkRange(seconds: number): number {
  if (seconds > MAX_UNIX_SECONDS) {
    throw new MemcacheError('MEMCACHE_ERR_BAD_TTL', `expiry ${seconds} is beyond the 32-bit Unix time memcached can store`);
  }
  return seconds;
}

/**
 * The exptime to send for an item expiring at `expiresAtSec` (Unix seconds; 0 = never): relative
 * seconds when the item has at most 30 days left, the absolute Unix time beyond that. Returns -1 when
 * the expiry has already passed (the caller must not store the item).
 */
export function toExptime(expiresAtSec: number, nowMs: number): number {
  if (expiresAtSec === 0) return 0;
  const remaining = expiresAtSec - Math.floor(nowMs / 1000);
  if (remaining <= 0) return -1;
  return remaining <= MAX_RELATIVE_EXPTIME ? remaining : expiresAtSec;
}
