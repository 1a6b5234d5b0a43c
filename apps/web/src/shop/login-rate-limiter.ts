import { createHash } from 'node:crypto';
import type { MemcacheRing } from '@scaleout/memcache';
import type { Logger } from '@scaleout/service';
import { incrementCounter } from '../cache/ring-counter.js';
import type { WebMetrics } from '../web-metrics.js';

export interface LoginRateLimiterOptions {
  windowMs: number;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  metrics?: WebMetrics;
  logger?: Logger;
}

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the current window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Login throttling shared by every replica: login attempts are counted in memcached per account and
 * per client IP in fixed windows (`rl:acct:<hash>:<window>`, `rl:ip:<ip>:<window>`). An attempt is
 * counted before the password is checked (so a burst of parallel guesses cannot slip past the limit)
 * and taken back when it succeeds; so the counters hold failed and refused attempts. Once either
 * count is over its limit, logins for that account or from that IP are refused until the window ends,
 * even with the right password. When memcached is unreachable the limiter fails open (counted in
 * `scaleout_web_rate_limiter_errors_total`): logins keep working.
 */
export class LoginRateLimiter {
  readonly #ring: MemcacheRing;
  readonly #o: LoginRateLimiterOptions;

  constructor(ring: MemcacheRing, options: LoginRateLimiterOptions) {
    this.#ring = ring;
    this.#o = options;
  }

  /** Counts an attempt and says whether it may proceed. */
  async begin(username: string, ip: string): Promise<LimitDecision> {
    const { account, address, retryAfterSeconds, ttlSeconds } = this.#keys(username, ip);
    try {
      const [a, i] = await Promise.all([
        incrementCounter(this.#ring, account, ttlSeconds),
        incrementCounter(this.#ring, address, ttlSeconds),
      ]);
      const allowed = a <= this.#o.maxFailuresPerAccount && i <= this.#o.maxFailuresPerIp;
      return { allowed, retryAfterSeconds };
    } catch (err) {
      this.#o.metrics?.rateLimiterErrors.inc();
      this.#o.logger?.warn({ err }, 'login rate limiter unavailable; allowing the attempt');
      return { allowed: true, retryAfterSeconds };
    }
  }

  /** Takes back the attempt counted by {@link begin}: the login succeeded. */
  async succeeded(username: string, ip: string): Promise<void> {
    const { account, address, ttlSeconds } = this.#keys(username, ip);
    try {
      await Promise.all([incrementCounter(this.#ring, account, ttlSeconds, -1), incrementCounter(this.#ring, address, ttlSeconds, -1)]);
    } catch (err) {
      this.#o.metrics?.rateLimiterErrors.inc();
      this.#o.logger?.warn({ err }, 'login rate limiter could not record a success');
    }
  }

  #keys(username: string, ip: string) {
    const now = Date.now();
    const window = Math.floor(now / this.#o.windowMs);
    const windowEnd = (window + 1) * this.#o.windowMs;
    const user = createHash('sha256').update(username.toLowerCase()).digest('base64url').slice(0, 22);
    const addr = ip.replace(/[^0-9A-Za-z.:]/g, '_').slice(0, 64);
    return {
      account: `rl:acct:${user}:${window}`,
      address: `rl:ip:${addr}:${window}`,
      retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
      ttlSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000) + 5),
    };
  }
}
