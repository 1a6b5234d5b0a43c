/** What `scaleout status --json` prints for each instance (a public contract, documented in this app's README). */
export interface InstanceStatus {
  name: string;
  service: string;
  address: string;
  pid: number | null;
  state: InstanceState;
  healthy: boolean;
  /** Restarts after crashes since `up`. */
  restarts?: number;
  /** Why the last start or the last run failed. */
  lastError?: string;
}

/**
 * - `starting`: spawned, waiting for readiness;
 * - `running`: ready (health is reported separately in `healthy`);
 * - `paused`: stopped with SIGSTOP (`scaleout pause`);
 * - `killed`: killed on purpose (`scaleout kill`), not restarted;
 * - `crashed`: exited unexpectedly, a restart is scheduled with back-off;
 * - `stopped`: stopped on purpose (`down`, scale-in);
 * - `failed`: could not be started (see lastError);
 */
export type InstanceState = 'starting' | 'running' | 'paused' | 'killed' | 'crashed' | 'stopped' | 'failed';
