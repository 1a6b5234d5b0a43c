import type { Recorder } from './recorder.js';
import type { LoadResult } from './types.js';

/** A workload as the scheduler sees it: arrivals in, completions to the recorder. */
export interface Driver {
  /** Resolves addresses, warms nothing up; throws a LoadError when the target is unusable. */
  prepare(): Promise<void>;
  /**
   * Starts one arrival intended at `intended` (performance.now() ms); calls `done` when it has finished
   * (ok or not). Returns true when it started at once, false when it waits for a connection or slot.
   */
  arrive(intended: number, done: () => void): boolean;
  /** Arrivals started or waiting and not finished. */
  inFlight(): number;
  /** HTTP requests sent so far. */
  requests(): number;
  stats(): { maxConnections: number; extraConnections: number };
  /** Workload-specific parts of the result (journeys, steps, targets) and notes. */
  extras(): Partial<LoadResult> & { notes?: string[] };
  close(): void;
}

export interface DriverContext {
  recorder: Recorder;
  /** Random in [0, 1). */
  random: () => number;
  /** Aborts the run with an error (e.g. DNS answered a non-loopback address). */
  abort: (err: Error) => void;
}
