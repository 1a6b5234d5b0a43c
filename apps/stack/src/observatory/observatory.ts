import { EventEmitter } from 'node:events';
import type { Logger } from '@scaleout/service';
import type { InstanceStatus } from '../instance-status.js';
import { FigureHistory } from './figure-history.js';
import { MetricsScraper, type ScrapeTarget } from './metrics-scraper.js';
import { stackFigures, type StackFigures } from './stack-figures.js';

export interface ObservatoryOptions {
  status(): InstanceStatus[];
  targets(): ScrapeTarget[];
  /** Prometheus' base URL while it runs (the page links to it), else null. */
  prometheusUrl(): string | null;
  logger: Logger;
  /** Tick period. Default 1000 ms. */
  intervalMs?: number;
  /** Span of the rates and quantiles. Default 3000 ms. */
  windowMs?: number;
}

export interface ObservatoryEvents {
  figures: [StackFigures];
}

/**
 * Once a second: scrape every instance, compute the map's figures, keep the headline history, tell
 * listeners (the SSE stream, `status --watch` through the API, the load runner's consumers).
 */
export class Observatory extends EventEmitter<ObservatoryEvents> {
  readonly history = new FigureHistory();
  readonly #o: ObservatoryOptions;
  readonly #scraper: MetricsScraper;
  #latest: StackFigures | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: ObservatoryOptions) {
    super();
    this.#o = options;
    this.#scraper = new MetricsScraper({ targets: options.targets });
  }

  get latest(): StackFigures | undefined {
    return this.#latest;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const period = this.#o.intervalMs ?? 1000;
    const loop = async () => {
      const started = Date.now();
      try {
        await this.tick();
      } catch (err) {
        this.#o.logger.warn({ err }, 'observatory tick failed');
      }
      if (!this.#running) return;
      this.#timer = setTimeout(() => void loop(), Math.max(50, period - (Date.now() - started)));
      this.#timer.unref();
    };
    void loop();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** One scrape and computation (also used by tests). */
  async tick(): Promise<StackFigures> {
    await this.#scraper.scrapeOnce();
    const windowMs = this.#o.windowMs ?? 3000;
    const figures = stackFigures({
      status: this.#o.status(),
      window: (name) => this.#scraper.window(name, windowMs),
      prometheusUrl: this.#o.prometheusUrl(),
      windowSeconds: windowMs / 1000,
    });
    this.#latest = figures;
    this.history.push(figures.at, figures.headline);
    this.emit('figures', figures);
    return figures;
  }
}
