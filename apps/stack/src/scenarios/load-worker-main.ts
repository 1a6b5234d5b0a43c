// A load run in a worker thread: its own event loop, so the stack's supervisor, the observatory's
// scrapes and the scenario's polls in the main thread never make the generator late.
import { parentPort, workerData } from 'node:worker_threads';
import { startLoad, type LoadSpec } from '@scaleout/load';

const port = parentPort!;
const run = startLoad(workerData as LoadSpec);
run.on('second', (s) => port.postMessage({ type: 'second', s }));
port.on('message', (m: { type: string }) => {
  if (m.type === 'stop') run.stop();
});
run.done.then(
  (result) => port.postMessage({ type: 'done', result }),
  (err: unknown) => port.postMessage({ type: 'error', message: (err as Error).message ?? String(err), code: (err as { code?: string }).code }),
);
