import { getMetricsFromIterator, type PromHistogramData, type PromMetrics } from 'prom2javascript';

export type Labels = Record<string, string>;
/** Which series of a metric to take: labels that must be equal, or a predicate. */
export type Match = Labels | ((labels: Labels) => boolean);

/** One scrape of one instance: the parsed exposition, or why it failed. */
export interface Scrape {
  at: number;
  metrics: PromMetrics | null;
  error?: string;
}

/** Parses the Prometheus text exposition format (prom2javascript: labels, histograms with sum/count). */
export function parseExposition(text: string): Promise<PromMetrics> {
  return getMetricsFromIterator(text.split('\n')[Symbol.iterator]());
}

function matches(labels: Labels, match?: Match): boolean {
  if (!match) return true;
  if (typeof match === 'function') return match(labels);
  for (const k in match) if (labels[k] !== match[k]) return false;
  return true;
}

/** The value series (counter, gauge, untyped) of `name` that match. */
export function seriesOf(m: PromMetrics | null | undefined, name: string, match?: Match): { labels: Labels; value: number }[] {
  const metric = m?.[name];
  if (!metric || metric.type === 'histogram' || metric.type === 'summary') return [];
  const out: { labels: Labels; value: number }[] = [];
  for (const d of metric.data as { labels: Labels; value: number }[]) {
    if (matches(d.labels, match) && Number.isFinite(d.value)) out.push({ labels: d.labels, value: d.value });
  }
  return out;
}

/** Sum of the matching series of a counter or gauge (0 when absent). */
export function sumOf(m: PromMetrics | null | undefined, name: string, match?: Match): number {
  let s = 0;
  for (const x of seriesOf(m, name, match)) s += x.value;
  return s;
}

/** A cumulative histogram: upper bounds ascending (the last is +Inf) with their counts. */
export interface Buckets {
  bounds: number[];
  counts: number[];
  count: number;
  sum: number;
}

/** The matching series of histogram `name`, summed bucket by bucket (they share their bounds). */
export function histogramOf(m: PromMetrics | null | undefined, name: string, match?: Match): Buckets | null {
  const metric = m?.[name];
  if (!metric || metric.type !== 'histogram') return null;
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let any = false;
  for (const d of metric.data as PromHistogramData[]) {
    if (!matches(d.labels, match)) continue;
    any = true;
    count += d.count;
    sum += d.sum ?? 0;
    for (const [le, c] of Object.entries(d.buckets)) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + c);
    }
  }
  if (!any) return null;
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => byBound.get(b)!), count, sum };
}
