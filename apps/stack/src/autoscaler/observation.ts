/** One web replica as the stack sees it at one tick (from the supervisor and the observatory's scrapes). */
export interface ReplicaObservation {
  name: string;
  /** Running, passing its readiness check and in the LB pool. */
  ready: boolean;
  /** Being drained and removed by a scale-in: ignored by the maths. */
  draining?: boolean;
  /** Requests in flight to it (summed over the LBs); null when unknown. */
  inflight: number | null;
  /** Requests/s it served. */
  rps: number | null;
  /** CPU in cores (rate of process_cpu_seconds_total). */
  cpu: number | null;
}

/** What the controller reads once a second. */
export interface Observation {
  replicas: ReplicaObservation[];
  /** p99 at the LBs, ms; null when no request was measured. */
  p99Ms: number | null;
}
