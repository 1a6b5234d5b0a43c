// Shared pieces of the wrk-driven benchmarks: run wrk pinned to a core with a Lua script, parse its
// output, and stop the child processes a benchmark started.
import { spawnSync, type ChildProcess } from 'node:child_process';

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
}

/** wrk's latency figures (`812.00us`, `1.20ms`, `2.01s`) in ms. */
export function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** `wrk -t1 -c<connections> -d<s> --latency -s <script> <url>` on `core`; throws when wrk fails. */
export function runWrk(url: string, script: string, o: { connections: number; durationS: number; core: number }): WrkResult {
  const out = spawnSync('taskset', ['-c', String(o.core), 'wrk', '-t1', `-c${o.connections}`, `-d${o.durationS}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
    timeout: (o.durationS + 30) * 1000,
  });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const text = out.stdout;
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN),
    p50Ms: toMs(/\n\s+50%\s+(\S+)/.exec(text)?.[1] ?? ''),
    p99Ms: toMs(/\n\s+99%\s+(\S+)/.exec(text)?.[1] ?? ''),
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+) timeout/.exec(text)?.[1] ?? 0),
  };
}

/** SIGTERM every child still running and wait for it (SIGKILL after `killAfterMs`). */
export async function stopChildren(children: readonly ChildProcess[], killAfterMs = 30_000): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          const t = setTimeout(() => c.kill('SIGKILL'), killAfterMs);
          c.once('exit', () => {
            clearTimeout(t);
            res();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

/** Run a benchmark's `main`, then stop its children and exit (1 with the error printed when it failed). */
export function runBench(main: () => Promise<void>, children: readonly ChildProcess[]): void {
  main()
    .then(async () => {
      await stopChildren(children);
      process.exit(0);
    })
    .catch(async (err: unknown) => {
      console.error(err);
      await stopChildren(children);
      process.exit(1);
    });
}
