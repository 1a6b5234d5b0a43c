import type { MemcacheRing } from '@scaleout/memcache';

/**
 * Adds `by` to a counter kept in memcached and returns the new value. The ring client has no
 * `incr`, so this is `add` (first increment) or a `gets` + `cas` loop: correct under concurrent
 * increments from any number of replicas. The counter expires `ttlSeconds` after it was created
 * (a fixed window). Throws the ring's errors (e.g. `MEMCACHE_ERR_UNAVAILABLE`).
 */
export async function incrementCounter(ring: MemcacheRing, key: string, ttlSeconds: number, by = 1): Promise<number> {
  const expiresAt = Date.now() + ttlSeconds * 1000;
  for (let attempt = 0; attempt < 32; attempt++) {
    const current = await ring.gets(key);
    if (!current) {
      if (by < 0) return 0; // nothing to take back (the window ended)
      if (await ring.add(key, String(by), { expiresAt })) return by;
      continue;
    }
    const next = (Number.parseInt(current.value.toString('utf8'), 10) || 0) + by;
    // Keep the window's original expiry.
    const keep = current.expiresAt && current.expiresAt > Date.now() ? { expiresAt: current.expiresAt } : { ttl: ttlSeconds };
    const r = await ring.cas(key, String(next), current.token, keep);
    if (r === 'stored') return next;
  }
  throw new Error(`counter ${key}: too much contention`);
}
