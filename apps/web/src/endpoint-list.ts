/**
 * An ordered list of equivalent endpoints (two db-proxies, two session-service instances) with
 * failover: callers try them in preference order, skipping those that failed recently. An endpoint
 * that fails is skipped for `retryAfterMs`, then tried again (so the preferred one is taken back once
 * it recovers); when every endpoint is marked down, all are tried anyway, preferred first.
 */
export class EndpointList<T> {
  readonly #items: { endpoint: T; downUntil: number }[];
  readonly #retryAfterMs: number;
  readonly #now: () => number;

  constructor(endpoints: readonly T[], options: { retryAfterMs: number; now?: () => number }) {
    if (endpoints.length === 0) throw new RangeError('EndpointList needs at least one endpoint');
    this.#items = endpoints.map((endpoint) => ({ endpoint, downUntil: 0 }));
    this.#retryAfterMs = options.retryAfterMs;
    this.#now = options.now ?? Date.now;
  }

  /** Endpoints in the order to try them: the healthy ones in preference order, then the marked-down ones. */
  order(): T[] {
    const now = this.#now();
    const up = this.#items.filter((i) => i.downUntil <= now);
    const down = this.#items.filter((i) => i.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down].map((i) => i.endpoint);
  }

  /** The endpoint that would be used now. */
  current(): T {
    return this.order()[0]!;
  }

  markDown(endpoint: T): void {
    const item = this.#items.find((i) => i.endpoint === endpoint);
    if (item) item.downUntil = this.#now() + this.#retryAfterMs;
  }

  markUp(endpoint: T): void {
    const item = this.#items.find((i) => i.endpoint === endpoint);
    if (item) item.downUntil = 0;
  }

  isDown(endpoint: T): boolean {
    const item = this.#items.find((i) => i.endpoint === endpoint);
    return item !== undefined && item.downUntil > this.#now();
  }
}
