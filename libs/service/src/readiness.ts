/** A readiness check: resolves (or returns true) when ready; throws or returns false when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

export interface CheckReport {
  ok: boolean;
  durationMs: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, CheckReport>;
}

interface Registered {
  check: ReadinessCheck;
  timeoutMs: number;
  critical: boolean;
}

/**
 * The set of checks behind `/readyz`. A service is ready when it is not draining and every critical
 * check passes within its timeout. Non-critical checks are reported but do not gate readiness.
 */
export class Readiness {
  #checks = new Map<string, Registered>();
  #draining = false;

  register(name: string, check: ReadinessCheck, options: { timeoutMs?: number; critical?: boolean } = {}): this {
    this.#checks.set(name, { check, timeoutMs: options.timeoutMs ?? 1000, critical: options.critical ?? true });
    return this;
  }

  unregister(name: string): void {
    this.#checks.delete(name);
  }

  /** Marks the service as draining: `/readyz` answers 503 from now on, so balancers stop sending work. */
  setDraining(draining = true): void {
    this.#draining = draining;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async evaluate(): Promise<ReadinessReport> {
    const entries = [...this.#checks.entries()];
    const results = await Promise.all(entries.map(([, r]) => runOne(r)));
    const checks: Record<string, CheckReport> = {};
    let ready = !this.#draining;
    entries.forEach(([name, r], i) => {
      const res = results[i]!;
      checks[name] = res;
      if (r.critical && !res.ok) ready = false;
    });
    return { ready, draining: this.#draining, checks };
  }
}

async function runOne(r: Registered): Promise<CheckReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${r.timeoutMs} ms`)), r.timeoutMs);
    });
    const value = await Promise.race([Promise.resolve().then(r.check), timeout]);
    const ok = value !== false;
    return ok
      ? { ok, durationMs: elapsed(started) }
      : { ok, durationMs: elapsed(started), error: 'check returned false' };
  } catch (err) {
    return { ok: false, durationMs: elapsed(started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}
