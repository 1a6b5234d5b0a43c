import memjs from 'memjs';
import { startMemcached, type TestMemcached } from './start-memcached.js';

/** Two memcached processes, stopped after the test. */
export async function startMemcachedPair(t: { after(fn: () => unknown): void }): Promise<[TestMemcached, TestMemcached]> {
  const a = await startMemcached();
  const b = await startMemcached();
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  return [a, b];
}

/** Reads memcached nodes directly with plain memjs clients (no ring), to check what each node holds. */
export class DirectMemcached {
  readonly #clients = new Map<string, memjs.Client>();

  /** The value and flags stored under `key` on `address`, or null. */
  async get(address: string, key: string): Promise<{ value: string; flags: number } | null> {
    let c = this.#clients.get(address);
    if (!c) {
      c = memjs.Client.create(address, { retries: 1, timeout: 2, logger: { log() {} } });
      this.#clients.set(address, c);
    }
    const { value, flags } = await c.get(key);
    if (value === null) return null;
    return { value: value.toString(), flags: flags ? flags.readUInt32BE(0) : 0 };
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
