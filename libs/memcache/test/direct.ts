// Reads a memcached node directly with a plain memjs client (no ring), to check what each node holds.
import { DirectMemcached } from '@scaleout/testing';

const direct = new DirectMemcached();

/** The value and flags stored under `key` on `address`, or null. */
export const directGet = (address: string, key: string) => direct.get(address, key);

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
  direct.close();
}

export { sleep, waitFor } from '@scaleout/testing';
