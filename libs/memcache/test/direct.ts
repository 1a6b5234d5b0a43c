// Reads a memcached node directly with a plain memjs client (no ring), to check what each node holds.
import memjs from 'memjs';

const clients = new Map<string, memjs.Client>();

function client(address: string): memjs.Client {
  let c = clients.get(address);
  if (!c) {
    c = memjs.Client.create(address, { retries: 1, timeout: 2, logger: { log() {} } });
    clients.set(address, c);
  }
  return c;
}

/** The value and flags stored under `key` on `address`, or null. */
export async function directGet(address: string, key: string): Promise<{ value: string; flags: number } | null> {
  const { value, flags } = await client(address).get(key);
  if (value === null) return null;
  return { value: value.toString(), flags: flags ? flags.readUInt32BE(0) : 0 };
}

/** How many of `keys` are on `address` with the expected value. */
export async function countOn(address: string, expected: Map<string, string>): Promise<number> {
  let n = 0;
  const entries = [...expected];
  for (let i = 0; i < entries.length; i += 200) {
    const batch = entries.slice(i, i + 200);
    const got = await Promise.all(batch.map(([k]) => directGet(address, k)));
    got.forEach((g, j) => {
      if (g?.value === batch[j]![1]) n++;
    });
  }
  return n;
}

export function closeDirect(): void {
  for (const c of clients.values()) c.close();
  clients.clear();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms until true or `timeoutMs` passes; returns its last value. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}
