import { seededRandom } from '@scaleout/hashing';
import type { AutoscaleConfig } from './autoscale-config.js';
import type { ReplicaSample } from './autoscale-sample.js';
import { initialAutoscaleState } from './autoscale-state.js';
import { recommend } from './recommend.js';

export interface SimulateOptions {
  readonly config: AutoscaleConfig;
  /** Offered load in requests/s at `t` seconds from the start. */
  readonly load: (tSeconds: number) => number;
  readonly durationSeconds: number;
  /** Requests/s one replica serves at 100% utilisation (one core: its `cpu` is utilisation). */
  readonly capacityPerReplica: number;
  /** From the scale-up decision to ready; default 2 s. */
  readonly startupSeconds?: number;
  /** Default `config.minReplicas`; they start ready and warm. */
  readonly initialReplicas?: number;
  /** Simulation step; default 1 s (syncs happen every `config.syncPeriodSeconds`, rounded to steps). */
  readonly stepSeconds?: number;
  /** Multiplicative noise on the load, uniform in [1 − amplitude, 1 + amplitude], from a seeded PRNG. */
  readonly noise?: { readonly amplitude: number; readonly seed: number };
}

export interface SimulationPoint {
  readonly t: number;
  readonly load: number;
  /** Replicas asked for before this sync (starting ones included), and those ready. */
  readonly replicas: number;
  readonly ready: number;
  readonly desired: number;
  readonly plain: number | null;
  readonly predicted: number | null;
  /** Highest per-replica utilisation at this instant. */
  readonly utilisation: number;
  readonly summary: string;
}

export interface SimulationResult {
  /** One point per sync. */
  readonly timeline: readonly SimulationPoint[];
  /** Every replica-count change: when, from, to. */
  readonly changes: readonly { readonly t: number; readonly from: number; readonly to: number }[];
  /** ∫ replicas dt (starting replicas included): what the capacity cost. */
  readonly replicaSeconds: number;
  /** Time during which some ready replica was offered more than its capacity (or none was ready). */
  readonly overloadSeconds: number;
  readonly peakReplicas: number;
  readonly lowestReplicas: number;
  /** Reversals between scaling up and scaling down. */
  readonly directionChanges: number;
}

interface SimReplica {
  readonly id: string;
  readonly readyAt: number;
}

/**
 * Runs `recommend` as a controller would over a synthetic load curve: replicas start after `startupSeconds`,
 * the LB spreads load by weight with a slow start over the warm-up, each replica is an M/M/1 server of rate
 * `capacityPerReplica` (in-flight = ρ / (1 − ρ), p99 = ln(100) / (μ − λ) in ms, ρ capped at 0.99), and scale-in
 * removes starting replicas first, then the youngest. Pure and deterministic: the same options give the same
 * result.
 */
export function simulate(opts: SimulateOptions): SimulationResult {
  const { config, capacityPerReplica: mu } = opts;
  const step = opts.stepSeconds ?? 1;
  const startup = opts.startupSeconds ?? 2;
  const syncEvery = Math.max(1, Math.round(config.syncPeriodSeconds / step));
  const rand = opts.noise ? seededRandom(opts.noise.seed) : null;
  const amp = opts.noise?.amplitude ?? 0;
  const warmup = config.warmupSeconds;

  let nextId = 1;
  let replicas: SimReplica[] = [];
  for (let i = 0; i < (opts.initialReplicas ?? config.minReplicas); i++) {
    replicas.push({ id: `r${nextId++}`, readyAt: -1e6 });
  }
  let state = initialAutoscaleState();
  const timeline: SimulationPoint[] = [];
  const changes: { t: number; from: number; to: number }[] = [];
  let replicaSeconds = 0;
  let overloadSeconds = 0;
  let peak = replicas.length;
  let lowest = replicas.length;

  const steps = Math.round(opts.durationSeconds / step);
  for (let k = 0; k <= steps; k++) {
    const t = k * step;
    const noise = rand ? 1 + amp * (2 * rand() - 1) : 1;
    const load = Math.max(0, opts.load(t) * noise);
    const ready = replicas.filter((r) => r.readyAt <= t);
    const weight = (r: SimReplica): number => (warmup > 0 ? Math.min(1, Math.max(0.1, (t - r.readyAt) / warmup)) : 1);
    const totalWeight = ready.reduce((s, r) => s + weight(r), 0);
    const rho = new Map<string, number>();
    for (const r of ready) rho.set(r.id, (load * weight(r)) / totalWeight / mu);
    const utilisation = ready.length === 0 ? Infinity : Math.max(0, ...rho.values());
    if (k < steps) {
      replicaSeconds += replicas.length * step;
      if (utilisation > 1) overloadSeconds += step;
    }
    if (k % syncEvery !== 0) continue;

    const samples: ReplicaSample[] = replicas.map((r) => {
      if (r.readyAt > t) return { id: r.id, readySinceMs: null, metrics: {} };
      const p = rho.get(r.id)!;
      const q = Math.min(p, 0.99);
      return { id: r.id, readySinceMs: r.readyAt * 1000, metrics: { rps: p * mu, cpu: Math.min(p, 1), inflight: q / (1 - q) } };
    });
    const p99 = ready.length === 0 ? undefined : (1000 * Math.log(100)) / (mu * (1 - Math.min(utilisation, 0.99)));
    const decision = recommend(
      config,
      { nowMs: t * 1000, currentReplicas: replicas.length, replicas: samples, objects: p99 === undefined ? {} : { p99 } },
      state,
    );
    state = decision.state;
    timeline.push({
      t,
      load,
      replicas: replicas.length,
      ready: ready.length,
      desired: decision.desired,
      plain: decision.plain,
      predicted: decision.predicted,
      utilisation,
      summary: decision.why.summary,
    });
    if (decision.desired > replicas.length) {
      const add = decision.desired - replicas.length;
      for (let i = 0; i < add; i++) replicas.push({ id: `r${nextId++}`, readyAt: t + startup });
    } else if (decision.desired < replicas.length) {
      // Starting replicas go first, then the youngest ready ones.
      const order = [...replicas].sort((a, b) => b.readyAt - a.readyAt);
      const remove = new Set(order.slice(0, replicas.length - decision.desired).map((r) => r.id));
      replicas = replicas.filter((r) => !remove.has(r.id));
    }
    if (decision.desired !== decision.current) changes.push({ t, from: decision.current, to: decision.desired });
    peak = Math.max(peak, replicas.length);
    lowest = Math.min(lowest, replicas.length);
  }

  let directionChanges = 0;
  for (let i = 1; i < changes.length; i++) {
    const a = Math.sign(changes[i - 1]!.to - changes[i - 1]!.from);
    const b = Math.sign(changes[i]!.to - changes[i]!.from);
    if (a !== b) directionChanges++;
  }
  return { timeline, changes, replicaSeconds, overloadSeconds, peakReplicas: peak, lowestReplicas: lowest, directionChanges };
}
