import { randomBytes } from 'node:crypto';
import { isMemcacheError, type MemcacheRing } from '@scaleout/memcache';
import type { Logger } from '@scaleout/service';
import type { WebMetrics } from '../web-metrics.js';

export type CacheOutcome = 'hit' | 'miss';

export interface Cached<T> {
  value: T;
  /** `hit` when the value came from memcached (or from another caller that loaded it meanwhile). */
  cache: CacheOutcome;
}

export interface ReadThroughCacheOptions {
  /** Lifetime of cached values, seconds. */
  ttlSeconds: number;
  metrics?: WebMetrics;
  logger?: Logger;
  /** Delay of the second delete after an invalidation (closes the read-before-commit race), ms. 0 = off. Default 1000. */
  secondDeleteMs?: number;
  /** False: every read calls the loader (reported as a miss); invalidations still run. Default true. */
  enabled?: boolean;
}

/** Marks an error thrown by the loader (the database), which must reach the caller untouched. */
class LoaderFailure extends Error {
  constructor(readonly inner: unknown) {
    super('loader failed');
  }
}

/**
 * Read-through cache over the memcached ring, JSON values with a TTL.
 *
 * Stampede safety comes from `MemcacheRing.getOrLoad`: concurrent misses of one key in this process
 * share one load (single flight), and across replicas a short `add`-based lock (`<key>:lock`, 5 s) lets
 * one caller query the database while the others poll memcached for its value (up to 1 s, then they
 * load themselves). So a hot key's expiry costs one query, not one per request. When memcached is
 * unreachable the cache fails open: every read goes to the database and nothing is cached.
 */
export class ReadThroughCache {
  readonly #ring: MemcacheRing;
  readonly #o: Required<Omit<ReadThroughCacheOptions, 'metrics' | 'logger'>> & Pick<ReadThroughCacheOptions, 'metrics' | 'logger'>;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(ring: MemcacheRing, options: ReadThroughCacheOptions) {
    this.#ring = ring;
    this.#o = { secondDeleteMs: 1000, enabled: true, ...options };
  }

  /** The cached value of `key`, or `load()`'s (stored for next time). `cache` names the cache in metrics. */
  async get<T>(cache: string, key: string, load: () => Promise<T>): Promise<Cached<T>> {
    if (!this.#o.enabled) {
      this.#o.metrics?.cacheRequests.inc({ cache, result: 'miss' });
      return { value: await load(), cache: 'miss' };
    }
    const loader = async () => {
      try {
        return JSON.stringify(await load());
      } catch (err) {
        throw new LoaderFailure(err);
      }
    };
    try {
      const r = await this.#ring.getOrLoad(key, loader, { ttl: this.#o.ttlSeconds, lockTtl: 5, waitMs: 1000, pollMs: 20 });
      const outcome = r.source === 'loader' ? 'miss' : r.source === 'peer' ? 'peer' : 'hit';
      this.#o.metrics?.cacheRequests.inc({ cache, result: outcome });
      return { value: JSON.parse(r.value.toString('utf8')) as T, cache: outcome === 'miss' ? 'miss' : 'hit' };
    } catch (err) {
      if (err instanceof LoaderFailure) throw err.inner;
      // A cache problem (closed client, bad key, corrupt value): serve from the database.
      this.#o.metrics?.cacheRequests.inc({ cache, result: 'error' });
      this.#o.logger?.warn({ err, key }, 'cache read failed; reading the database');
      return { value: await load(), cache: 'miss' };
    }
  }

  /**
   * Deletes `key` now and once more `secondDeleteMs` later: a reader that loaded the old row just
   * before the write committed and stored it just after the first delete is removed by the second
   * (the TTL bounds what even that misses).
   */
  async invalidate(cache: string, key: string): Promise<void> {
    await this.#delete(cache, key);
    if (this.#o.secondDeleteMs > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#delete(cache, key);
      }, this.#o.secondDeleteMs);
      timer.unref();
      this.#timers.add(timer);
    }
  }

  /**
   * The current generation of a group of keys (`<name>`), created when missing. Keys built with it are
   * invalidated all at once by {@link bumpGeneration}; old entries just expire. When memcached is
   * unreachable a random generation is returned, so nothing stale can be read.
   */
  async generation(name: string): Promise<string> {
    const key = `gen:${name}`;
    try {
      const found = await this.#ring.get(key);
      if (found) return found.value.toString('utf8');
      const fresh = randomBytes(6).toString('base64url');
      if (await this.#ring.add(key, fresh)) return fresh;
      const again = await this.#ring.get(key);
      return again ? again.value.toString('utf8') : fresh;
    } catch (err) {
      if (!isMemcacheError(err)) throw err;
      return `x${randomBytes(6).toString('base64url')}`;
    }
  }

  /** Starts a new generation of `name`: every key built with the old one is unreachable from now on. */
  async bumpGeneration(name: string): Promise<void> {
    try {
      await this.#ring.set(`gen:${name}`, randomBytes(6).toString('base64url'));
      this.#o.metrics?.cacheInvalidations.inc({ cache: name, result: 'ok' });
    } catch (err) {
      this.#o.metrics?.cacheInvalidations.inc({ cache: name, result: 'error' });
      this.#o.logger?.warn({ err, name }, 'cache generation bump failed');
    }
  }

  /** Cancels pending second deletes. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  async #delete(cache: string, key: string): Promise<void> {
    try {
      await this.#ring.delete(key);
      this.#o.metrics?.cacheInvalidations.inc({ cache, result: 'ok' });
    } catch (err) {
      // The replicas that missed the delete are repaired by the ring when they are back; the TTL bounds the rest.
      this.#o.metrics?.cacheInvalidations.inc({ cache, result: 'error' });
      this.#o.logger?.warn({ err, key }, 'cache invalidation failed');
    }
  }
}
