// A bounded background load of GET requests through several entry points, recording every outcome:
// what the scaling test runs while replicas come and go.

export interface LoadResult {
  requests: number;
  /** Responses by status code. */
  statuses: Map<number, number>;
  /** Requests that got no response (connection refused or reset, timeout), with a sample of messages. */
  errors: number;
  errorSamples: string[];
  /** Non-2xx responses and errors: up to three samples per kind, `+seconds status X-Scaleout-Error X-Served-By body`. */
  failureSamples: string[];
  /** X-Served-By values seen (web replicas). */
  servedBy: Set<string>;
}

export interface LoadOptions {
  bases: string[];
  /** Paths requested in turn. */
  paths: (n: number) => string;
  concurrency?: number;
  /** Pause between a worker's requests. Default 20 ms. */
  pauseMs?: number;
  /** Hard stop even if stop() is never called. Default 10 minutes. */
  maxDurationMs?: number;
}

export interface RunningLoad {
  /** Live view of the counts. */
  readonly result: LoadResult;
  stop(): Promise<LoadResult>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const result: LoadResult = { requests: 0, statuses: new Map(), errors: 0, errorSamples: [], failureSamples: [], servedBy: new Set() };
  const started = Date.now();
  const perKind = new Map<string, number>();
  const sample = (kind: string, text: string, into: string[]) => {
    const seen = perKind.get(kind) ?? 0;
    perKind.set(kind, seen + 1);
    if (seen < 3) into.push(`+${((Date.now() - started) / 1000).toFixed(1)}s ${text}`);
  };
  let stopped = false;
  const deadline = Date.now() + (options.maxDurationMs ?? 600_000);
  let n = 0;
  const worker = async (w: number) => {
    while (!stopped && Date.now() < deadline) {
      const i = n++;
      const base = options.bases[(i + w) % options.bases.length]!;
      result.requests++;
      try {
        const res = await fetch(new URL(options.paths(i), base), { signal: AbortSignal.timeout(20_000) });
        const body = await res.text();
        result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        const served = res.headers.get('x-served-by');
        if (served) result.servedBy.add(served);
        if (res.status >= 300) {
          const code = res.headers.get('x-scaleout-error') ?? '';
          sample(`${res.status} ${code}`, `${res.status} ${code} ${served} ${base} ${body.slice(0, 160)}`, result.failureSamples);
        }
      } catch (err) {
        result.errors++;
        const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
        const message = `${cause?.code ?? ''} ${cause?.message ?? (err as Error).message}`.trim();
        sample(message, `${message} ${base}`, result.errorSamples);
      }
      if (options.pauseMs !== 0) await new Promise((r) => setTimeout(r, options.pauseMs ?? 20));
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 8 }, (_, w) => worker(w));
  return {
    result,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return result;
    },
  };
}

/** Requests that did not get a 2xx answer. */
export function failedRequests(r: LoadResult): number {
  let bad = r.errors;
  for (const [status, count] of r.statuses) if (status < 200 || status >= 300) bad += count;
  return bad;
}
