import type { ExitInfo, RunningDaemon } from '@scaleout/infra';
import { track } from './cleanup.js';

/** What every test daemon handle offers: its process, stop, kill, and a start again on the same port. */
export interface DaemonHandle {
  readonly pid: number;
  readonly daemon: RunningDaemon;
  stop(): Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
  /** Starts the daemon again (same spec, same port) after stop or kill. */
  start(): Promise<void>;
}

/**
 * Launches a daemon (tracked: killed when the test process exits) and returns a handle whose
 * `start()` stops the current process and launches a new one; `pid` and `daemon` follow the restart.
 */
export async function restartableDaemon(launch: () => Promise<RunningDaemon>): Promise<DaemonHandle> {
  const run = async () => track(await launch());
  let daemon = await run();
  return {
    get pid() {
      return daemon.pid;
    },
    get daemon() {
      return daemon;
    },
    stop: () => daemon.stop(),
    kill: (signal) => daemon.kill(signal),
    async start() {
      await daemon.stop();
      daemon = await run();
    },
  };
}

/** `fields` plus the handle's members, getters kept (a spread would freeze `pid` and `daemon`). */
export function withHandle<T extends object>(fields: T, handle: DaemonHandle): T & DaemonHandle {
  return Object.defineProperties(fields, Object.getOwnPropertyDescriptors(handle)) as T & DaemonHandle;
}
