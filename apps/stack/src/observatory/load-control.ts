import { EventEmitter } from 'node:events';
import { startLoad, validateLoadSpec, type IntervalStats, type LoadResult, type LoadRun, type LoadSpec } from '@scaleout/load';
import { StackError } from '../stack-error.js';

/** What the page (or a script) asks for: a `shop` or `get` run against this stack, bounded in time. */
export interface LoadRequest {
  workload: 'shop' | 'get';
  /** Arrivals per second (journeys for shop, requests for get); absent: closed model with `connections`. */
  rate?: number;
  /** With `rate`: ramp from `rate` to `rampTo` over the run. */
  rampTo?: number;
  connections?: number;
  durationSeconds: number;
  /** get: the path on the LBs (default `/`). */
  path?: string;
}

export interface LoadStatus {
  running: boolean;
  spec: LoadSpec | null;
  startedAt: string | null;
  latest: IntervalStats | null;
  /** Why the last run ended with an error (it could not start or the generator failed), else null. */
  error: string | null;
  /** Summary of the last finished run. */
  last: Pick<LoadResult, 'sent' | 'completed' | 'errors' | 'achievedRate' | 'latency' | 'failedJourneys' | 'stopped' | 'durationMs'> | null;
}

export interface LoadControlEvents {
  second: [IntervalStats];
  finished: [LoadResult];
}

/** At most one load run at a time, started and stopped from the control API. */
export class LoadControl extends EventEmitter<LoadControlEvents> {
  #run: LoadRun | undefined;
  #startedAt: string | null = null;
  #last: LoadResult | undefined;
  #error: string | null = null;

  constructor(readonly target: { dnsHost: string; dnsPort: number; zoneName: string; lbHosts(): string[]; httpPort: number }) {
    super();
  }

  /** Builds the spec (validated by the load lib: loopback only, sane rates) and starts it. */
  start(req: LoadRequest): LoadSpec {
    if (this.#run) throw new StackError('STACK_ERR_LOAD_RUNNING', 'a load run is already running; stop it first', 409);
    const t = this.target;
    const spec: LoadSpec = {
      workload: req.workload,
      durationMs: req.durationSeconds * 1000,
      ...(req.workload === 'get'
        ? { url: `http://${t.lbHosts()[0]}:${t.httpPort}${req.path ?? '/'}` }
        : { dns: { server: t.dnsHost, port: t.dnsPort, name: `www.${t.zoneName}`, httpPort: t.httpPort } }),
      ...(req.rate !== undefined
        ? { rate: req.rampTo !== undefined ? { kind: 'ramp' as const, from: req.rate, to: req.rampTo, overMs: req.durationSeconds * 1000 } : { kind: 'constant' as const, rate: req.rate } }
        : {}),
      ...(req.connections !== undefined ? { connections: req.connections } : {}),
    };
    let valid: LoadSpec;
    try {
      valid = validateLoadSpec(spec);
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new StackError(e.code ?? 'STACK_ERR_LOAD', e.message, 400);
    }
    const run = startLoad(valid);
    this.#run = run;
    this.#startedAt = new Date().toISOString();
    this.#error = null;
    run.on('second', (s) => this.emit('second', s));
    run.done.then(
      (result) => {
        this.#last = result;
        this.#run = undefined;
        this.emit('finished', result);
      },
      (err: unknown) => {
        this.#error = (err as Error).message ?? String(err);
        this.#run = undefined;
      },
    );
    return valid;
  }

  stop(): boolean {
    if (!this.#run) return false;
    this.#run.stop();
    return true;
  }

  /** Stops a running load and waits for it (stack shutdown). */
  async close(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.stop();
    await run.done.catch(() => undefined);
  }

  status(): LoadStatus {
    const l = this.#last;
    return {
      running: this.#run !== undefined,
      spec: this.#run?.spec ?? l?.spec ?? null,
      startedAt: this.#startedAt,
      latest: this.#run?.latest() ?? null,
      error: this.#error,
      last: l
        ? { sent: l.sent, completed: l.completed, errors: l.errors, achievedRate: l.achievedRate, latency: l.latency, failedJourneys: l.failedJourneys, stopped: l.stopped, durationMs: l.durationMs }
        : null,
    };
  }
}
