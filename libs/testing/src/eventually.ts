/**
 * Retries `fn` until it resolves or `timeoutMs` passes, then throws naming `what` and the last error.
 * For waiting on convergence (health, discovery, failover, replication), never for asserting speed.
 */
export async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${(last as Error)?.message ?? String(last)}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` every `intervalMs` until it is true (→ true) or `timeoutMs` passes (→ false). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Polls `fn` every `intervalMs` until it returns something other than `undefined` or `false` (→ that
 * value); a throw counts as "not yet". After `timeoutMs` it throws naming `what` and the last error.
 * The one polling helper of the tests: `what` first, then the probe, then the bounds.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, intervalMs = 25): Promise<T> {
  return eventually(
    what,
    async () => {
      const v = await fn();
      if (v === undefined || v === false) throw new Error('not yet');
      return v;
    },
    timeoutMs,
    intervalMs,
  );
}

/** Runs `fn` over `items` with at most `size` calls in flight (test machines are small and busy). */
export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((x, j) => fn(x, i + j)))));
  return out;
}
