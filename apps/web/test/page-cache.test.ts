// The web tier behind two real LB processes with the page cache on: anonymous pages and product JSON
// are shared through the LBs, pages with a session are not, and a price or stock change bans the
// cached pages on both LBs, so the next request through either LB sees it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, createWebContext, SEED_PASSWORD } from '../src/index.js';
import { startBackingServices, type BackingServices } from './support/backing-services.js';
import { CookieClient, httpCall, injectTransport } from './support/http-client.js';
import { startLoadBalancer, startSessionService, startWebReplica, type ServiceProcess } from './support/processes.js';
import { webTestConfig } from './support/web-config.js';
import { freePort } from '@scaleout/testing';

const TOKEN = 'page-cache-test-token';
let deps: BackingServices;
let sessions: ServiceProcess;
let web: ServiceProcess;
let lb1: ServiceProcess & { adminUrl: string };
let lb2: ServiceProcess & { adminUrl: string };

const lbEnv = (): Record<string, string> => ({
  SCALEOUT_ADMIN_TOKEN: TOKEN,
  LB_SERVERS: web.url.replace('http://', ''),
  LB_CACHE: 'true',
  LB_CHECK_INTERVAL: '500ms',
});

before(async () => {
  deps = await startBackingServices();
  sessions = await startSessionService('session-pc', deps.memcachedAddresses);
  // the LB admin ports are needed by web before the LBs start: reserve them first
  const [a1, a2] = [await freePort(), await freePort()];
  web = await startWebReplica('web-pc', {
    WEB_DB_HOSTS: deps.dbAddress,
    WEB_MEMCACHED_NODES: deps.memcachedAddresses.join(','),
    WEB_SESSION_URLS: sessions.url,
    WEB_SEED_PRODUCTS: '60',
    WEB_SEED_USERS: '10',
    WEB_ADMIN_TOKEN: TOKEN,
    WEB_LB_ADMIN_URLS: `http://127.0.0.1:${a1},http://127.0.0.1:${a2}`,
    WEB_LB_ADMIN_TOKEN: TOKEN,
  });
  [lb1, lb2] = await Promise.all([startLoadBalancer('lb-pc1', lbEnv(), { adminPort: a1 }), startLoadBalancer('lb-pc2', lbEnv(), { adminPort: a2 })]);
});

after(async () => {
  await lb1?.stop();
  await lb2?.stop();
  await web?.stop();
  await sessions?.stop();
  await deps?.stop();
});

async function productIds(n: number): Promise<number[]> {
  const r = await httpCall(`${web.url}/api/products?page=2&pageSize=${n}`);
  return r.json<{ items: { id: number }[] }>().items.map((p) => p.id);
}

describe('web behind two LBs with the page cache', () => {
  test('anonymous product JSON and catalogue pages are shared (public, s-maxage, Surrogate-Key); with a session they stay no-store', async () => {
    const [id] = await productIds(1);
    const first = await httpCall(`${lb1.url}/api/products/${id}`);
    assert.equal(first.status, 200);
    // the first answer also sets the LB's sticky cookie, and with it the LB adds `private` for downstream caches
    assert.match(String(first.headers['cache-control']), /^public, max-age=0, s-maxage=\d+, stale-while-revalidate=\d+(, private)?$/);
    assert.equal(first.headers['surrogate-key'], `p${id}`);
    assert.equal(first.headers['x-cache'], 'MISS');
    assert.ok(first.headers['x-cache-upstream'], 'web\'s read-through cache status moves to X-Cache-Upstream');
    const second = await httpCall(`${lb1.url}/api/products/${id}`);
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.text, first.text);
    assert.match(String(second.headers['cache-control']), /^public, max-age=0, s-maxage=\d+, stale-while-revalidate=\d+$/);
    assert.equal(second.headers['set-cookie'], undefined, 'a hit never sets a cookie');

    const page = await httpCall(`${lb2.url}/products?page=3`);
    assert.match(String(page.headers['surrogate-key']), /^catalogue( p\d+)+$/);
    assert.equal((await httpCall(`${lb2.url}/products?page=3`)).headers['x-cache'], 'HIT');

    const user = new CookieClient(lb1.url);
    assert.equal((await user.api('POST', '/login', { username: 'user2', password: SEED_PASSWORD })).status, 200);
    const mine = await user.call('GET', `/api/products/${id}`);
    assert.equal(mine.headers['cache-control'], 'no-store');
    assert.equal(mine.headers['x-cache'], 'BYPASS');
    assert.equal(mine.headers['surrogate-key'], undefined);
  });

  test('a price change is visible on the next request through either LB (the ban reaches both)', async () => {
    const [, id] = await productIds(2);
    for (const lb of [lb1, lb2]) {
      await httpCall(`${lb.url}/api/products/${id}`);
      assert.equal((await httpCall(`${lb.url}/api/products/${id}`)).headers['x-cache'], 'HIT');
    }
    const patch = await httpCall(`${lb1.url}/api/products/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ priceCents: 12345 }),
    });
    assert.equal(patch.status, 200, patch.text);
    for (const lb of [lb1, lb2]) {
      const r = await httpCall(`${lb.url}/api/products/${id}`);
      assert.equal(r.json<{ priceCents: number }>().priceCents, 12345, `through ${lb.name}`);
      assert.equal(r.headers['x-cache'], 'MISS');
    }
  });

  test('a checkout that changes the stock bans the product on both LBs', async () => {
    const [, , id] = await productIds(3);
    const before = (await httpCall(`${lb2.url}/api/products/${id}`)).json<{ stock: number }>().stock;
    assert.equal((await httpCall(`${lb2.url}/api/products/${id}`)).headers['x-cache'], 'HIT');
    const buyer = new CookieClient(lb1.url);
    assert.equal((await buyer.api('POST', '/login', { username: 'user3', password: SEED_PASSWORD })).status, 200);
    assert.equal((await buyer.api('POST', '/cart', { productId: id, quantity: 2 })).status, 200);
    const order = await buyer.api('POST', '/checkout', { idempotencyKey: 'page-cache-checkout-0001' });
    assert.equal(order.status, 201, order.text);
    const after = await httpCall(`${lb2.url}/api/products/${id}`);
    assert.equal(after.json<{ stock: number }>().stock, before - 2);
  });

  test('a ban that cannot reach an LB is counted and does not fail the update', async () => {
    const dead = await freePort();
    const ctx = createWebContext(
      webTestConfig({
        INSTANCE: 'web-pc-inproc',
        DB_HOSTS: deps.dbAddress,
        MEMCACHED_NODES: deps.memcachedAddresses.join(','),
        SESSION_URLS: sessions.url,
        MIGRATE: 'false',
        ADMIN_TOKEN: TOKEN,
        LB_ADMIN_URLS: `${lb1.adminUrl},http://127.0.0.1:${dead}`,
        LB_ADMIN_TOKEN: TOKEN,
        LB_BAN_TIMEOUT: '300ms',
      }),
    );
    const app = await buildApp(ctx);
    try {
      const [id] = await productIds(1);
      const c = new CookieClient(injectTransport(app));
      const r = await c.call('PATCH', `/api/products/${id}`, { json: { priceCents: 777 }, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 200, r.text);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /scaleout_web_lb_bans_total\{result="ok"\} 1/);
      assert.match(metrics, /scaleout_web_lb_bans_total\{result="failed"\} 1/);
      assert.equal((await httpCall(`${lb1.url}/api/products/${id}`)).json<{ priceCents: number }>().priceCents, 777);
    } finally {
      await app.close();
    }
  });
});
