import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { IntervalStats, LoadResult, LoadRun, LoadSpec } from '@scaleout/load';

type WorkerMessage = { type: 'second'; s: IntervalStats } | { type: 'done'; result: LoadResult } | { type: 'error'; message: string; code?: string };

/** `startLoad` in a worker thread (load-worker-main.ts), with the same `LoadRun` surface. */
export function startLoadInWorker(spec: LoadSpec): LoadRun {
  const events = new EventEmitter();
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: spec });
  let latest: IntervalStats | undefined;
  const done = new Promise<LoadResult>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'second') {
        latest = m.s;
        events.emit('second', m.s);
      } else if (m.type === 'done') resolve(m.result);
      else reject(Object.assign(new Error(m.message), { code: m.code }));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the load worker exited (code ${code}) before its result`)));
  });
  void done.finally(() => void worker.terminate()).catch(() => undefined);
  const run: LoadRun = {
    spec,
    on(event: 'second', listener: (s: IntervalStats) => void) {
      events.on(event, listener);
      return run;
    },
    latest: () => latest,
    stop: () => worker.postMessage({ type: 'stop' }),
    done,
  };
  return run;
}
