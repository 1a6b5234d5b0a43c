import { parseExposition, type Scrape } from './prom-sample.js';
import { ScrapeWindow } from './scrape-window.js';

export interface ScrapeTarget {
  /** Instance name (web1, lb2, …). */
  name: string;
  /** Full URL of its `/metrics`. */
  url: string;
}

export interface MetricsScraperOptions {
  targets(): ScrapeTarget[];
  /** Per-scrape timeout. Default 800 ms (the map refreshes every second). */
  timeoutMs?: number;
  /** Scrapes kept per instance. Default 16. */
  keep?: number;
}

/**
 * Scrapes every instance's `/metrics` itself (no Prometheus needed), keeps the last few scrapes of each,
 * and answers rates and quantiles over a window of them.
 */
export class MetricsScraper {
  readonly #o: MetricsScraperOptions;
  readonly #history = new Map<string, Scrape[]>();

  constructor(options: MetricsScraperOptions) {
    this.#o = options;
  }

  /** Scrapes every target once, in parallel. */
  async scrapeOnce(): Promise<void> {
    const targets = this.#o.targets();
    const names = new Set(targets.map((t) => t.name));
    for (const name of this.#history.keys()) if (!names.has(name)) this.#history.delete(name);
    await Promise.all(targets.map((t) => this.#scrape(t)));
  }

  async #scrape(t: ScrapeTarget): Promise<void> {
    const at = Date.now();
    let scrape: Scrape;
    try {
      const res = await fetch(t.url, { signal: AbortSignal.timeout(this.#o.timeoutMs ?? 800) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      scrape = { at, metrics: await parseExposition(await res.text()) };
    } catch (err) {
      scrape = { at, metrics: null, error: (err as Error).message };
    }
    const list = this.#history.get(t.name) ?? [];
    list.push(scrape);
    if (list.length > (this.#o.keep ?? 16)) list.shift();
    this.#history.set(t.name, list);
  }

  latest(name: string): Scrape | undefined {
    const list = this.#history.get(name);
    return list?.[list.length - 1];
  }

  /**
   * The latest good scrape and the oldest good one at most `windowMs` before it. When the latest scrape
   * failed the window is empty (the instance is not answering: its figures are unknown, shown as 0).
   */
  window(name: string, windowMs: number): ScrapeWindow {
    const list = this.#history.get(name) ?? [];
    const now = list[list.length - 1];
    if (!now?.metrics) return new ScrapeWindow(now, undefined);
    let then: Scrape | undefined;
    for (let i = list.length - 2; i >= 0; i--) {
      const s = list[i]!;
      if (now.at - s.at > windowMs + 250) break;
      if (s.metrics) then = s;
    }
    return new ScrapeWindow(now, then);
  }
}
