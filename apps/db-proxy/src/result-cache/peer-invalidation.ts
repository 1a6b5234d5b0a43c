import type { Logger } from '@scaleout/service';
import { GtidPosition } from '@scaleout/replication';
import type { ResultCacheMetrics } from './result-cache-metrics.js';
import type { WriteSet } from './statement-tables.js';

/** Body of `POST /api/result-cache/invalidate` (what a proxy sends its peers). */
export interface InvalidateBody {
  tables: string[] | 'all';
  gtid: string;
}

/**
 * Sends this proxy's invalidations to the peer proxies (DBPROXY_PEERS), batched per event-loop turn,
 * fire-and-forget: a peer that cannot be reached keeps its entries until their TTL (counted in
 * `result_cache_peer_errors_total`).
 */
export class PeerInvalidation {
  readonly #peers: string[];
  readonly #token: string;
  readonly #metrics: ResultCacheMetrics;
  readonly #logger: Logger;
  #pending: Set<string> | 'all' | undefined;
  #pos = GtidPosition.EMPTY;

  constructor(peers: string[], token: string, metrics: ResultCacheMetrics, logger: Logger) {
    this.#peers = peers;
    this.#token = token;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  send(tables: WriteSet, pos: GtidPosition): void {
    if (this.#peers.length === 0) return;
    const first = this.#pending === undefined;
    if (tables === 'all' || this.#pending === 'all') this.#pending = 'all';
    else {
      this.#pending ??= new Set();
      for (const t of tables) this.#pending.add(t);
    }
    this.#pos = this.#pos.merge(pos);
    if (first) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (p === undefined) return;
    const body: InvalidateBody = { tables: p === 'all' ? 'all' : [...p], gtid: this.#pos.toString() };
    this.#pos = GtidPosition.EMPTY;
    const json = JSON.stringify(body);
    for (const peer of this.#peers) {
      fetch(`${peer}/api/result-cache/invalidate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' },
        body: json,
        signal: AbortSignal.timeout(1000),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
        })
        .catch((err: unknown) => {
          this.#metrics.peerErrors.inc();
          this.#logger.warn({ peer, err: (err as Error).message }, 'result cache: could not send an invalidation to a peer proxy');
        });
    }
  }
}
