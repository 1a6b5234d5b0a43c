import type { ObjectMetricName, ReplicaMetricName } from './autoscale-config.js';

/** One replica as the controller sees it at a sync. */
export interface ReplicaSample {
  readonly id: string;
  /** When the replica last became ready (ms, same clock as `nowMs`); null while it is starting or not ready. */
  readonly readySinceMs: number | null;
  /** Being drained or stopped (HPA: deletion timestamp set): ignored entirely. */
  readonly draining?: boolean;
  /** Its latest values; a metric left out is "missing" for this replica. */
  readonly metrics: Partial<Record<ReplicaMetricName, number>>;
}

/** Everything `recommend` needs for one sync: time is passed in, nothing is read from the machine. */
export interface AutoscaleSample {
  readonly nowMs: number;
  /** The replica count currently asked for (the scale target's replicas). */
  readonly currentReplicas: number;
  /** Every replica that exists, including starting and draining ones. */
  readonly replicas: readonly ReplicaSample[];
  /** Service-wide values (p99 at the LB in ms); left out = missing. */
  readonly objects?: Partial<Record<ObjectMetricName, number>>;
}
