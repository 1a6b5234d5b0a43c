import type { RunningDaemon } from '@scaleout/infra';

const live = new Set<RunningDaemon>();
let hooked = false;

/** Remembers a daemon so it is killed when the test process exits, however it exits. */
export function track(d: RunningDaemon): RunningDaemon {
  live.add(d);
  void d.exited.then(() => live.delete(d));
  if (!hooked) {
    hooked = true;
    const killAll = () => {
      for (const x of live) x.kill('SIGKILL');
    };
    process.on('exit', killAll);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        killAll();
        process.exit(130);
      });
    }
  }
  return d;
}
