import type { AutoscaleSample, ReplicaMetricName, ReplicaSample } from '../src/index.js';

/** Per-replica entries: a number is a ready, warm replica's value; 'missing' reports nothing; 'unready' is starting. */
export type Entry = number | 'missing' | 'unready' | { warming: number };

/** A sample at `nowMs` with one replica per entry, every value under `metric`. */
export function sampleOf(
  metric: ReplicaMetricName,
  entries: readonly Entry[],
  opts: { nowMs?: number; currentReplicas?: number; p99?: number } = {},
): AutoscaleSample {
  const nowMs = opts.nowMs ?? 1_000_000;
  const warmSince = nowMs - 3_600_000; // ready for an hour: past any warm-up
  const replicas: ReplicaSample[] = entries.map((e, i) => {
    const id = `web${i + 1}`;
    if (e === 'unready') return { id, readySinceMs: null, metrics: {} };
    if (e === 'missing') return { id, readySinceMs: warmSince, metrics: {} };
    if (typeof e === 'object') return { id, readySinceMs: nowMs - 1000, metrics: { [metric]: e.warming } };
    return { id, readySinceMs: warmSince, metrics: { [metric]: e } };
  });
  return {
    nowMs,
    currentReplicas: opts.currentReplicas ?? entries.length,
    replicas,
    ...(opts.p99 === undefined ? {} : { objects: { p99: opts.p99 } }),
  };
}

/** n ready, warm replicas each reporting `value`. */
export function uniform(metric: ReplicaMetricName, n: number, value: number, nowMs?: number): AutoscaleSample {
  return sampleOf(metric, Array.from({ length: n }, () => value), nowMs === undefined ? {} : { nowMs });
}
