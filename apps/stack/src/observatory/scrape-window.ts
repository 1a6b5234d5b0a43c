import { bucketIncrease, histogramQuantile } from './histogram-quantile.js';
import { histogramOf, sumOf, type Buckets, type Match, type Scrape } from './prom-sample.js';

/**
 * Two scrapes of one instance some seconds apart: rates of counters and quantiles of histograms over
 * that span, the way Prometheus' `rate()` and `histogram_quantile(…, rate(…))` compute them.
 */
export class ScrapeWindow {
  constructor(
    readonly now: Scrape | undefined,
    readonly then: Scrape | undefined,
  ) {}

  /** Whether the latest scrape answered. */
  get up(): boolean {
    return Boolean(this.now?.metrics);
  }

  /** Seconds between the two scrapes (0 when there are not two good ones). */
  get seconds(): number {
    if (!this.now?.metrics || !this.then?.metrics) return 0;
    return (this.now.at - this.then.at) / 1000;
  }

  /** Increase of a counter (sum of the matching series); a reset counts from zero. */
  increase(name: string, match?: Match): number {
    if (this.seconds <= 0) return 0;
    const later = sumOf(this.now!.metrics, name, match);
    const earlier = sumOf(this.then!.metrics, name, match);
    return later >= earlier ? later - earlier : later;
  }

  /** Per-second rate of a counter over the window; 0 when it cannot be computed. */
  rate(name: string, match?: Match): number {
    const s = this.seconds;
    return s > 0 ? this.increase(name, match) / s : 0;
  }

  /** What a histogram observed in the window (bucket increases); null when it cannot be computed. */
  increaseBuckets(name: string, match?: Match): Buckets | null {
    if (this.seconds <= 0) return null;
    return bucketIncrease(histogramOf(this.now!.metrics, name, match), histogramOf(this.then!.metrics, name, match));
  }

  /** Per-second rate of a histogram's observations. */
  countRate(name: string, match?: Match): number {
    const inc = this.increaseBuckets(name, match);
    return inc ? inc.count / this.seconds : 0;
  }

  /** The q-quantile in milliseconds of what a histogram (in seconds) observed in the window; null when nothing. */
  quantileMs(name: string, q: number, match?: Match): number | null {
    const v = histogramQuantile(q, this.increaseBuckets(name, match));
    return Number.isFinite(v) ? v * 1000 : null;
  }

  /** A gauge from the latest scrape (sum of the matching series). */
  gauge(name: string, match?: Match): number {
    return sumOf(this.now?.metrics, name, match);
  }
}
