// Shared helpers of the session service tests.
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@scaleout/service';
import { DirectMemcached, type TestMemcached } from '@scaleout/testing';
import { buildSessionApp, sessionConfigSpec, type SessionConfig } from '../src/index.js';

export { inBatches, sleep, startMemcachedPair as memcachedPair, waitFor } from '@scaleout/testing';

type After = { after(fn: () => unknown): void };

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

/** Direct reads of memcached nodes (no ring), plus the session record under `sess:<id>`. */
export class DirectReader extends DirectMemcached {
  /** The session record stored under `sess:<id>` on `address`, or null. */
  async session(address: string, id: string): Promise<{ id: string; version: number; deleted?: boolean } | null> {
    const got = await this.get(address, `sess:${id}`);
    return got ? (JSON.parse(got.value) as { id: string; version: number; deleted?: boolean }) : null;
  }

}

export interface SessionBody {
  id: string;
  version: number;
  data: Record<string, unknown>;
  expiresAt: string;
}
