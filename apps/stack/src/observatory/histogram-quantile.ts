import type { Buckets } from './prom-sample.js';

/**
 * The increase of a cumulative histogram between two scrapes (`later - earlier`, bucket by bucket); a
 * reset (the process restarted) counts `later` from zero, as Prometheus' `increase()` does.
 */
export function bucketIncrease(later: Buckets | null, earlier: Buckets | null): Buckets | null {
  if (!later) return null;
  if (!earlier || earlier.count > later.count) return later;
  const before = new Map(earlier.bounds.map((b, i) => [b, earlier.counts[i]!]));
  const counts = later.bounds.map((b, i) => Math.max(0, later.counts[i]! - (before.get(b) ?? 0)));
  return { bounds: later.bounds, counts, count: later.count - earlier.count, sum: later.sum - earlier.sum };
}

/**
 * The q-quantile of a cumulative histogram with Prometheus' `histogram_quantile` rule: find the bucket
 * holding rank q×count and interpolate linearly inside it (the first bucket starts at 0; a rank in the
 * +Inf bucket answers the highest finite bound). NaN when the histogram is empty.
 */
export function histogramQuantile(q: number, h: Buckets | null): number {
  if (!h || h.bounds.length === 0) return NaN;
  const total = h.counts[h.counts.length - 1]!;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let i = 0;
  while (i < h.counts.length - 1 && h.counts[i]! < rank) i++;
  const upper = h.bounds[i]!;
  if (upper === Infinity) return h.bounds.length > 1 ? h.bounds[h.bounds.length - 2]! : NaN;
  const lower = i === 0 ? 0 : h.bounds[i - 1]!;
  const below = i === 0 ? 0 : h.counts[i - 1]!;
  const inBucket = h.counts[i]! - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}
