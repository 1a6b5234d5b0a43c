import type { Logger } from '@scaleout/service';
import type { WebMetrics } from '../web-metrics.js';

export interface LbCachePurgerOptions {
  /** Admin API base URLs of the load balancers (e.g. http://127.0.1.1:8404). */
  urls: readonly string[];
  token: string;
  timeoutMs: number;
  metrics?: WebMetrics;
  logger?: Logger;
}

/** Surrogate key of one product (product JSON, and every catalogue page listing it). */
export const productKey = (id: number): string => `p${id}`;
/** Surrogate key of every catalogue page. */
export const CATALOGUE_KEY = 'catalogue';

/**
 * Bans pages from the load balancers' page caches by surrogate key (`POST /api/cache/ban`) on every LB
 * at once, best effort: each call is bounded by `timeoutMs`, a failure is logged and counted
 * (`scaleout_web_lb_bans_total{result="failed"}`) and never fails the write that caused it.
 */
export class LbCachePurger {
  constructor(private readonly o: LbCachePurgerOptions) {}

  async ban(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const body = JSON.stringify({ keys });
    await Promise.all(
      this.o.urls.map(async (base) => {
        const url = `${base.replace(/\/$/, '')}/api/cache/ban`;
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${this.o.token}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(this.o.timeoutMs),
          });
          await res.text();
          if (!res.ok) throw new Error(`status ${res.status}`);
          this.o.metrics?.lbBans.inc({ result: 'ok' });
        } catch (err) {
          this.o.metrics?.lbBans.inc({ result: 'failed' });
          this.o.logger?.warn({ url, keys, err: (err as Error).message }, 'page cache ban failed');
        }
      }),
    );
  }
}
