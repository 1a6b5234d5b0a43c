// What a replica does when a dependency fails: database endpoints fail over, a dead session service or
// database gives 503 pages with Retry-After (never a stack trace), and the cache fails open.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startMariadbPair, type TestMariadbPair } from '@scaleout/testing';
import { buildApp, createWebContext, prepareDatabase, SEED_PASSWORD } from '../src/index.js';
import { startBackingServices, type BackingServices } from './support/backing-services.js';
import { CookieClient, injectTransport } from './support/http-client.js';
import { startSessionService, type ServiceProcess } from './support/processes.js';
import { webTestConfig } from './support/web-config.js';

describe('dependency failures (one MariaDB, two memcached, one session service)', () => {
  let deps: BackingServices;
  let sessions: ServiceProcess;

  before(async () => {
    deps = await startBackingServices();
    sessions = await startSessionService('session-f', deps.memcachedAddresses);
  });
  after(async () => {
    await sessions?.stop();
    await deps?.stop();
  });

  test('a dead first database endpoint is skipped; the session service and the database going away give 503 pages', async () => {
    const dead = await freePort();
    const ctx = createWebContext(
      webTestConfig({
        INSTANCE: 'web-f',
        DB_HOSTS: `127.0.0.1:${dead},${deps.dbAddress}`,
        DB_CONNECT_TIMEOUT: '500ms',
        DB_QUERY_TIMEOUT: '3s',
        MEMCACHED_NODES: deps.memcachedAddresses.join(','),
        SESSION_URLS: sessions.url,
      }),
    );
    await prepareDatabase(ctx);
    const app = await buildApp(ctx);
    try {
      assert.equal(ctx.db.activeEndpoint, deps.dbAddress);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, new RegExp(`scaleout_web_db_endpoint_active\\{endpoint="${deps.dbAddress}"[^}]*\\} 1`));

      const user = new CookieClient(injectTransport(app));
      assert.equal((await user.api('POST', '/login', { username: 'user3', password: SEED_PASSWORD })).status, 200);
      const list = (await app.inject({ method: 'GET', url: '/api/products?pageSize=3' })).json<{ items: { id: number }[] }>();
      const [cachedId, uncachedId] = list.items.map((i) => i.id);
      assert.equal((await app.inject({ method: 'GET', url: `/api/products/${cachedId}` })).statusCode, 200);

      // Session service down: pages that need the session answer 503 with Retry-After; anonymous catalogue pages still work.
      await sessions.stop();
      const page = await user.call('GET', '/cart');
      assert.equal(page.status, 503);
      assert.equal(page.headers['retry-after'], '5');
      assert.match(page.text, /Temporarily unavailable/);
      assert.match(page.text, /WEB_ERR_SESSION_UNAVAILABLE/);
      assert.doesNotMatch(page.text, /at .*\.ts:\d+/, 'no stack trace');
      assert.equal(page.headers['x-served-by'], 'web-f');
      const api = await user.api('GET', '/cart');
      assert.equal(api.status, 503);
      assert.deepEqual(Object.keys(api.json<{ error: object }>().error).sort(), ['code', 'message']);
      assert.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json<{ checks: { sessions: { ok: boolean } } }>().checks.sessions.ok, false);
      sessions = await startSessionService('session-f', deps.memcachedAddresses, {}, { port: sessions.port });
      assert.equal((await user.api('GET', '/me')).json<{ user: { username: string } }>().user.username, 'user3', 'the session survived in memcached');

      // Database down: uncached reads answer 503; cached ones are still served.
      await deps.db.stop();
      const down = await app.inject({ method: 'GET', url: `/api/products/${uncachedId}` });
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(down.json<{ error: { code: string } }>().error.code, 'WEB_ERR_DB_UNAVAILABLE');
      assert.equal(down.headers['retry-after'], '5');
      const downPage = await app.inject({ method: 'GET', url: `/products/${uncachedId}` });
      assert.equal(downPage.statusCode, 503);
      assert.match(downPage.body, /Temporarily unavailable/);
      assert.doesNotMatch(downPage.body, /ECONNREFUSED|Error:|\.ts:/);
      const cached = await app.inject({ method: 'GET', url: `/api/products/${cachedId}` });
      assert.equal(cached.statusCode, 200);
      assert.equal(cached.headers['x-cache'], 'hit');
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
      await deps.db.start();
      assert.equal((await app.inject({ method: 'GET', url: `/api/products/${uncachedId}` })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  test('with every memcached down the cache fails open: reads go to the database and readiness stays up', async () => {
    const ctx = createWebContext(
      webTestConfig({
        INSTANCE: 'web-m',
        DB_HOSTS: deps.dbAddress,
        MEMCACHED_NODES: deps.memcachedAddresses.join(','),
        SESSION_URLS: sessions.url,
        MIGRATE: 'false',
      }),
    );
    const app = await buildApp(ctx);
    try {
      const [id] = (await app.inject({ method: 'GET', url: '/api/products?pageSize=1&page=7' })).json<{ items: { id: number }[] }>().items.map((i) => i.id);
      await Promise.all(deps.memcached.map((m) => m.stop()));
      const res = await app.inject({ method: 'GET', url: `/api/products/${id}` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-cache'], 'miss');
      const again = await app.inject({ method: 'GET', url: `/api/products/${id}` });
      assert.equal(again.headers['x-cache'], 'miss');
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      const body = ready.json<{ checks: { cache: { ok: boolean }; database: { ok: boolean } } }>();
      assert.equal(body.checks.cache.ok, false);
      assert.equal(body.checks.database.ok, true);
    } finally {
      await app.close();
      await Promise.all(deps.memcached.map((m) => m.start()));
    }
  });
});

describe('database failover between two masters', () => {
  let pair: TestMariadbPair;
  let deps: BackingServices;
  let sessions: ServiceProcess;

  before(async () => {
    [pair, deps] = await Promise.all([startMariadbPair(), startBackingServices()]);
    sessions = await startSessionService('session-p', deps.memcachedAddresses);
  });
  after(async () => {
    await sessions?.stop();
    await pair?.stop();
    await deps?.stop();
  });

  test('when the first endpoint dies, reads and new writes go to the second', async () => {
    const hosts = `${pair.a.host}:${pair.a.port},${pair.b.host}:${pair.b.port}`;
    const ctx = createWebContext(
      webTestConfig({
        INSTANCE: 'web-p',
        DB_HOSTS: hosts,
        DB_CONNECT_TIMEOUT: '1s',
        DB_QUERY_TIMEOUT: '5s',
        MEMCACHED_NODES: deps.memcachedAddresses.join(','),
        SESSION_URLS: sessions.url,
        SEED_PRODUCTS: '100',
        SEED_USERS: '20',
      }),
    );
    await prepareDatabase(ctx);
    const app = await buildApp(ctx);
    try {
      await pair.waitCaughtUp(20_000);
      const first = await app.inject({ method: 'GET', url: '/api/products?pageSize=2' });
      assert.equal(first.statusCode, 200);
      assert.equal(ctx.db.activeEndpoint, `${pair.a.host}:${pair.a.port}`);
      pair.a.kill('SIGKILL');
      await pair.a.daemon.exited;
      const page = await app.inject({ method: 'GET', url: '/api/products?page=3&pageSize=2' });
      assert.equal(page.statusCode, 200, page.body);
      assert.equal(ctx.db.activeEndpoint, `${pair.b.host}:${pair.b.port}`);
      const fresh = new CookieClient(injectTransport(app));
      const signup = await fresh.api('POST', '/signup', { username: 'after-failover', password: 'long enough' });
      assert.equal(signup.status, 201, signup.text);
      const [id] = page.json<{ items: { id: number }[] }>().items.map((i) => i.id);
      assert.equal((await fresh.api('POST', '/cart', { productId: id, quantity: 1 })).status, 200);
      const checkout = await fresh.api('POST', '/checkout', { idempotencyKey: 'failover-order-1' });
      assert.equal(checkout.status, 201, checkout.text);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /scaleout_web_db_failovers_total\{from="[^"]+",to="[^"]+"[^}]*\} 1/);
    } finally {
      await app.close();
    }
  });
});
