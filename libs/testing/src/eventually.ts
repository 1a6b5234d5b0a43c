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
