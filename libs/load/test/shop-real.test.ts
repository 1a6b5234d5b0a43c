// The shop workload against the real web tier: mariadbd and memcached (real daemons from
// @scaleout/testing), the session service and one web replica started from their sources by file
// path, as the stack runs them (`node --import tsx apps/<name>/src/server.ts`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpProbe } from '@scaleout/health';
import { startDaemon } from '@scaleout/infra';
import { bootstrapServer, withAdmin } from '@scaleout/replication';
import { freePort, startMariadb, startMemcached, tempDir, track } from '@scaleout/testing';
import { startLoad } from '../src/index.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const logs = tempDir('scaleout-load-shop-');

async function startApp(name: string, env: Record<string, string>) {
  const port = await freePort();
  const prefix = name.toUpperCase();
  const url = `http://127.0.0.1:${port}`;
  const daemon = track(
    await startDaemon(
      {
        name,
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, `apps/${name}/src/server.ts`)],
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'development', [`${prefix}_INSTANCE`]: name, [`${prefix}_HOST`]: '127.0.0.1', [`${prefix}_PORT`]: String(port), [`${prefix}_LOG_LEVEL`]: 'warn', ...env },
        ready: httpProbe({ url: `${url}/readyz` }),
        readyTimeoutMs: 90_000,
      },
      { logFile: join(logs, `${name}.log`) },
    ),
  );
  return { url, stop: () => daemon.stop() };
}

test('shop journeys against the real web app, session service, MariaDB and memcached: none fails', async (t) => {
  const [db, mc] = await Promise.all([startMariadb({ autoIncrementIncrement: 2, autoIncrementOffset: 1 }), startMemcached()]);
  t.after(() => Promise.all([db.stop(), mc.stop()]));
  await withAdmin(db.root, (c) => bootstrapServer(c));
  const session = await startApp('session', { SESSION_MEMCACHED: mc.address });
  t.after(() => session.stop());
  const web = await startApp('web', { WEB_DB_HOSTS: `${db.host}:${db.port}`, WEB_SESSION_URLS: session.url, WEB_MEMCACHED_NODES: mc.address });
  t.after(() => web.stop());

  const r = await startLoad({
    workload: 'shop',
    baseUrls: [web.url],
    rate: { kind: 'constant', rate: 20 },
    durationMs: 6000,
    mix: { browse: 30, search: 10, signup: 10, login: 10, cart: 15, checkout: 20, orders: 5 },
  }).done;
  t.diagnostic(JSON.stringify({ journeys: r.journeys, steps: r.steps, errors: r.errorsByKind }));
  assert.equal(r.failedJourneys, 0, JSON.stringify(r.errorsByKind));
  assert.ok(Math.abs(r.sent - 120) <= 4, `journeys ${r.sent}`);
  for (const [name, j] of Object.entries(r.journeys!)) assert.ok(j.started > 0 && j.ok + (j.outOfStock ?? 0) === j.started, name);
  assert.ok(r.steps!.checkout!.ok > 0, 'orders were placed');
  assert.ok(r.steps!.orders!.ok > 0);
});
