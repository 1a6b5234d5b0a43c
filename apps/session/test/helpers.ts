// Shared helpers of the session service tests.
import memjs from 'memjs';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@scaleout/service';
import { startMemcached, type TestMemcached } from '@scaleout/testing';
import { buildSessionApp, sessionConfigSpec, type SessionConfig } from '../src/index.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type After = { after(fn: () => unknown): void };

/** Two memcached processes, stopped after the test. */
export async function memcachedPair(t: After): Promise<[TestMemcached, TestMemcached]> {
  const a = await startMemcached();
  const b = await startMemcached();
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  return [a, b];
}

/** Test configuration: fast health settings; `env` overrides any SESSION_ variable (without the prefix). */
export function testConfig(nodes: TestMemcached[], env: Record<string, string> = {}): SessionConfig {
  const base: Record<string, string> = {
    INSTANCE: 'session-test',
    LOG_LEVEL: 'silent',
    MEMCACHED: nodes.map((n) => n.address).join(','),
    MEMCACHED_TIMEOUT: '1000ms',
    PROBE_INITIAL: '100ms',
    PROBE_MAX: '400ms',
    HEALTH_INTERVAL: '200ms',
  };
  const all = { ...base, ...env };
  return loadConfig('SESSION', sessionConfigSpec, { env: Object.fromEntries(Object.entries(all).map(([k, v]) => [`SESSION_${k}`, v])) });
}

/** Builds an app (closed after the test). */
export async function app(t: After, nodes: TestMemcached[], env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await buildSessionApp(testConfig(nodes, env));
  t.after(() => a.close());
  return a;
}

/** Runs `fn` over `items` with at most `size` calls in flight (the test machine is small and busy). */
export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((x, j) => fn(x, i + j)))));
  return out;
}

/** Polls `cond` every 20 ms until true or `timeoutMs` passes. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** Reads memcached nodes directly with plain memjs clients (no ring), to check what each node holds. */
export class DirectReader {
  #clients = new Map<string, memjs.Client>();

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

  /** The session record stored under `sess:<id>` on `address`, or null. */
  async session(address: string, id: string): Promise<{ id: string; version: number; deleted?: boolean } | null> {
    const got = await this.get(address, `sess:${id}`);
    return got ? (JSON.parse(got.value) as { id: string; version: number; deleted?: boolean }) : null;
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}

export interface SessionBody {
  id: string;
  version: number;
  data: Record<string, unknown>;
  expiresAt: string;
}
