import type { AutoscaleSample, ReplicaMetricName, ReplicaSample } from '@scaleout/autoscale';
import type { Observation } from './observation.js';

const REPLICA_METRICS: readonly ReplicaMetricName[] = ['inflight', 'rps', 'cpu'];

interface Tick {
  at: number;
  obs: Observation;
}

/**
 * The controller's memory of the last ticks: when each replica became ready (continuously since), and the
 * values it reported. A sync averages each replica's values over the sync period, counting only ticks taken
 * after its warm-up ended (so a replica on its slow-start ramp never drags the average down).
 */
export class MetricWindow {
  readonly #ticks: Tick[] = [];
  readonly #readySince = new Map<string, number>();
  readonly #keepMs: number;

  constructor(keepMs: number) {
    this.#keepMs = keepMs;
  }

  push(at: number, obs: Observation): void {
    const present = new Set(obs.replicas.map((r) => r.name));
    for (const name of this.#readySince.keys()) if (!present.has(name)) this.#readySince.delete(name);
    for (const r of obs.replicas) {
      if (!r.ready) this.#readySince.delete(r.name);
      else if (!this.#readySince.has(r.name)) this.#readySince.set(r.name, at);
    }
    this.#ticks.push({ at, obs });
    while (this.#ticks.length > 1 && this.#ticks[0]!.at < at - this.#keepMs) this.#ticks.shift();
  }

  readySince(name: string): number | null {
    return this.#readySince.get(name) ?? null;
  }

  get latest(): Observation | undefined {
    return this.#ticks[this.#ticks.length - 1]?.obs;
  }

  /** The sample for `recommend`: the latest replicas, each metric averaged over the last `periodMs`. */
  sample(nowMs: number, currentReplicas: number, periodMs: number, warmupMs: number): AutoscaleSample {
    const recent = this.#ticks.filter((t) => t.at > nowMs - periodMs);
    const latest = this.latest;
    const replicas: ReplicaSample[] = (latest?.replicas ?? []).map((r) => {
      const readySinceMs = this.readySince(r.name);
      const warmFrom = readySinceMs === null ? Infinity : readySinceMs + warmupMs;
      const metrics: Partial<Record<ReplicaMetricName, number>> = {};
      for (const m of REPLICA_METRICS) {
        const all = recent.map((t) => ({ at: t.at, v: t.obs.replicas.find((x) => x.name === r.name)?.[m] ?? null })).filter((x) => x.v !== null && Number.isFinite(x.v));
        const warm = all.filter((x) => x.at >= warmFrom);
        const use = warm.length > 0 ? warm : all;
        if (use.length > 0) metrics[m] = use.reduce((a, x) => a + x.v!, 0) / use.length;
      }
      return { id: r.name, readySinceMs, ...(r.draining ? { draining: true } : {}), metrics };
    });
    const p99s = recent.map((t) => t.obs.p99Ms).filter((v): v is number => v !== null && Number.isFinite(v));
    const objects = p99s.length > 0 ? { p99: p99s.reduce((a, v) => a + v, 0) / p99s.length } : {};
    return { nowMs, currentReplicas, replicas, objects };
  }
}
