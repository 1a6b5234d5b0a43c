// Service tests of the web tier: two in-process replicas (Fastify inject) against real dependencies
// started here: MariaDB (auto_increment_increment=2), two memcached, and the real session service.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { withAdmin } from '@scaleout/replication';
import { buildApp, createWebContext, prepareDatabase, SEED_PASSWORD, type WebContext } from '../src/index.js';
import { startBackingServices, type BackingServices } from './support/backing-services.js';
import { CookieClient, injectTransport } from './support/http-client.js';
import { startSessionService, type ServiceProcess } from './support/processes.js';
import { webTestConfig } from './support/web-config.js';

let deps: BackingServices;
let sessions: ServiceProcess;
let ctxA: WebContext;
let ctxB: WebContext;
let appA: FastifyInstance;
let appB: FastifyInstance;

function env(instance: string): Record<string, string> {
  return {
    INSTANCE: instance,
    DB_HOSTS: deps.dbAddress,
    MEMCACHED_NODES: deps.memcachedAddresses.join(','),
    SESSION_URLS: sessions.url,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    LOGIN_MAX_FAILURES_PER_IP: '1000',
  };
}

const client = (app: FastifyInstance, ip = '127.0.0.1') => new CookieClient(injectTransport(app, ip));

async function dbRows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withAdmin(deps.db.root, async (c) => {
    const [rows] = await c.query(`USE shop`).then(() => c.query(sql, params));
    return rows as T[];
  });
}

/** A product id from the catalogue (ids come from AUTO_INCREMENT with increment 2). */
async function productIds(n: number, page = 1): Promise<number[]> {
  const res = await appA.inject({ method: 'GET', url: `/api/products?page=${page}&pageSize=${n}` });
  return res.json<{ items: { id: number }[] }>().items.map((p) => p.id);
}

before(async () => {
  deps = await startBackingServices();
  sessions = await startSessionService('session-test', deps.memcachedAddresses);
  ctxA = createWebContext(webTestConfig(env('web-a')));
  ctxB = createWebContext(webTestConfig(env('web-b')));
  // Both replicas migrate and seed at once: the migration lock makes one wait for the other.
  await Promise.all([prepareDatabase(ctxA), prepareDatabase(ctxB)]);
  appA = await buildApp(ctxA);
  appB = await buildApp(ctxB);
});

after(async () => {
  await appA?.close();
  await appB?.close();
  await sessions?.stop();
  await deps?.stop();
});

describe('schema and seed', () => {
  test('migrations ran once, the seed is there, ids are not consecutive', async () => {
    const versions = await dbRows<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      versions.map((v) => Number(v.version)),
      [1, 2, 3],
    );
    const [products] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM products');
    const [users] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM users');
    assert.equal(Number(products!.n), 300);
    assert.equal(Number(users!.n), 80);
    const ids = await productIds(3);
    assert.equal(ids[1]! - ids[0]!, 2, 'auto_increment_increment=2 gives odd ids here');
  });

  test('running the migrations again changes nothing', async () => {
    await prepareDatabase(ctxA);
    const [products] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM products');
    assert.equal(Number(products!.n), 300);
  });
});

describe('health and metrics', () => {
  test('/healthz and /readyz report the replica and its dependencies', async () => {
    const live = await appA.inject({ method: 'GET', url: '/healthz' });
    assert.equal(live.statusCode, 200);
    assert.equal(live.headers['x-served-by'], 'web-a');
    const ready = await appA.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    const body = ready.json<{ checks: Record<string, { ok: boolean }> }>();
    assert.deepEqual(Object.keys(body.checks).sort(), ['cache', 'database', 'sessions']);
    for (const c of Object.values(body.checks)) assert.equal(c.ok, true);
  });

  test('/metrics has request histograms by route template, database and cache metrics', async () => {
    const [id] = await productIds(1);
    await appA.inject({ method: 'GET', url: `/api/products/${id}` });
    const text = (await appA.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /scaleout_web_http_request_duration_seconds_bucket\{[^}]*route="\/api\/products\/:id"/);
    assert.doesNotMatch(text, new RegExp(`route="/api/products/${id}"`));
    assert.match(text, /scaleout_web_db_query_duration_seconds_count\{[^}]*query="product_by_id"/);
    assert.match(text, /scaleout_web_cache_requests_total\{[^}]*cache="product"/);
    assert.match(text, /scaleout_web_memcached_requests_total/);
    assert.match(text, /scaleout_web_session_requests_total/);
  });
});

describe('catalogue and cache', () => {
  test('pagination and search', async () => {
    const p1 = (await appA.inject({ method: 'GET', url: '/api/products?page=1&pageSize=7' })).json<{ items: { id: number; name: string }[]; total: number; pages: number }>();
    const p2 = (await appA.inject({ method: 'GET', url: '/api/products?page=2&pageSize=7' })).json<{ items: { id: number }[] }>();
    assert.equal(p1.items.length, 7);
    assert.equal(p1.total, 300);
    assert.equal(p1.pages, 43);
    assert.ok(p2.items[0]!.id > p1.items[6]!.id);
    const q = encodeURIComponent(p1.items[3]!.name);
    const found = (await appA.inject({ method: 'GET', url: `/api/products?q=${q}` })).json<{ items: { id: number }[] }>();
    assert.deepEqual(
      found.items.map((i) => i.id),
      [p1.items[3]!.id],
    );
    const none = (await appA.inject({ method: 'GET', url: '/api/products?q=%25%25no-such_thing' })).json<{ total: number }>();
    assert.equal(none.total, 0, 'LIKE wildcards in the query are taken literally');
    const page = await appA.inject({ method: 'GET', url: '/products?page=2' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /page 2 of 15/);
    assert.match(page.body, /Served by <strong id="served-by">web-a<\/strong>/);
  });

  test('the second read of a product is a cache hit, also on the other replica; an update through the API invalidates it', async () => {
    const [, , id] = await productIds(3, 5);
    const first = await appA.inject({ method: 'GET', url: `/api/products/${id}` });
    assert.equal(first.headers['x-cache'], 'miss');
    const second = await appB.inject({ method: 'GET', url: `/api/products/${id}` });
    assert.equal(second.headers['x-cache'], 'hit');
    assert.equal(second.headers['x-served-by'], 'web-b');
    assert.deepEqual(second.json(), first.json());

    const patch = await appB.inject({
      method: 'PATCH',
      url: `/api/products/${id}`,
      headers: { authorization: 'Bearer dev-admin-token' },
      payload: { name: 'Renamed Lamp', priceCents: 4242 },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    const after = await appA.inject({ method: 'GET', url: `/api/products/${id}` });
    assert.equal(after.headers['x-cache'], 'miss');
    assert.equal(after.json<{ name: string }>().name, 'Renamed Lamp');
    assert.equal((await appA.inject({ method: 'GET', url: `/api/products/${id}` })).headers['x-cache'], 'hit');
    const html = await appB.inject({ method: 'GET', url: `/products/${id}` });
    assert.match(html.body, /Renamed Lamp/);
    assert.match(html.body, /\$42\.42/);
  });

  test('catalogue pages are cached and dropped when a product changes', async () => {
    const url = '/api/products?page=9&pageSize=5';
    const a = await appA.inject({ method: 'GET', url });
    const b = await appB.inject({ method: 'GET', url });
    assert.equal(b.headers['x-cache'], 'hit');
    assert.deepEqual(b.json(), a.json());
    const id = a.json<{ items: { id: number }[] }>().items[0]!.id;
    const patch = await appA.inject({
      method: 'PATCH',
      url: `/api/products/${id}`,
      headers: { authorization: 'Bearer dev-admin-token' },
      payload: { name: 'Catalogue Changed' },
    });
    assert.equal(patch.statusCode, 200);
    const c = await appB.inject({ method: 'GET', url });
    assert.equal(c.headers['x-cache'], 'miss');
    assert.equal(c.json<{ items: { name: string }[] }>().items[0]!.name, 'Catalogue Changed');
  });

  test('a hot key that expires sends one query, not one per request', async () => {
    const [id] = await productIds(1, 11);
    const before = await dbQueryCount('product_by_id');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? appA : appB).inject({ method: 'GET', url: `/api/products/${id}` })),
    );
    for (const r of results) assert.equal(r.statusCode, 200);
    const loads = (await dbQueryCount('product_by_id')) - before;
    assert.equal(loads, 1, `expected one database read for 40 concurrent requests, got ${loads}`);
    assert.equal(results.filter((r) => r.headers['x-cache'] === 'miss').length >= 1, true);
  });

  test('the admin update needs the token', async () => {
    const [id] = await productIds(1);
    const res = await appA.inject({ method: 'PATCH', url: `/api/products/${id}`, headers: { authorization: 'Bearer nope' }, payload: { stock: 1 } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'WEB_ERR_FORBIDDEN');
  });

  test('unknown and malformed products', async () => {
    const page = await appA.inject({ method: 'GET', url: '/products/999999999' });
    assert.equal(page.statusCode, 404);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /Not found/);
    assert.equal(page.headers['x-served-by'], 'web-a');
    const api = await appA.inject({ method: 'GET', url: '/api/products/999999999' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json<{ error: { code: string } }>().error.code, 'WEB_ERR_NOT_FOUND');
    const bad = await appA.inject({ method: 'GET', url: '/api/products/abc' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'WEB_ERR_VALIDATION');
    const nowhere = await appA.inject({ method: 'GET', url: '/no/such/page' });
    assert.equal(nowhere.statusCode, 404);
    assert.equal(nowhere.headers['x-served-by'], 'web-a');
  });
});

async function dbQueryCount(query: string): Promise<number> {
  let total = 0;
  for (const ctx of [ctxA, ctxB]) {
    const metric = await ctx.metrics.dbQuery.get();
    for (const v of metric.values) {
      if (v.metricName?.endsWith('_count') && v.labels.query === query) total += v.value;
    }
  }
  return total;
}

describe('the heavy request', () => {
  test('GET /api/heavy keeps the replica busy for cpuMs, is never shared, and refuses bad or too large values', async () => {
    const res = await appA.inject({ method: 'GET', url: '/api/heavy?cpuMs=50' });
    assert.equal(res.statusCode, 200);
    const body = res.json<{ cpuMs: number; spentMs: number; instance: string }>();
    assert.equal(body.cpuMs, 50);
    assert.equal(body.instance, 'web-a');
    assert.ok(body.spentMs >= 50, `spent ${body.spentMs} ms`);
    assert.equal(res.headers['cache-control'], 'no-store');
    for (const q of ['', '?cpuMs=0', '?cpuMs=abc']) assert.equal((await appA.inject({ method: 'GET', url: `/api/heavy${q}` })).statusCode, 400, q);
    const tooMuch = await appA.inject({ method: 'GET', url: '/api/heavy?cpuMs=1001' });
    assert.equal(tooMuch.statusCode, 400);
    assert.match(tooMuch.json<{ error: { message: string } }>().error.message, /WEB_HEAVY_MAX_MS \(1000\)/);
  });
});

describe('accounts and sessions', () => {
  test('sign-up and login through the API; the session id rotates; the session works on the other replica', async () => {
    const alice = client(appA);
    const anon = await alice.api('POST', '/cart', { productId: (await productIds(1))[0], quantity: 2 });
    assert.equal(anon.status, 200, anon.text);
    const before = alice.cookies.get('sid');
    assert.ok(before);
    const signup = await alice.api('POST', '/signup', { username: 'alice', password: 'correct horse' });
    assert.equal(signup.status, 201, signup.text);
    const afterSignup = alice.cookies.get('sid');
    assert.notEqual(afterSignup, before, 'sign-up rotates the session id');

    alice.send = injectTransport(appB);
    const me = (await alice.api('GET', '/me')).json<{ user: { username: string }; cartCount: number; instance: string }>();
    assert.equal(me.user.username, 'alice');
    assert.equal(me.cartCount, 2, 'the anonymous cart survives the login');
    assert.equal(me.instance, 'web-b');

    // The old cookie is dead: rotation deleted the old id.
    const stale = client(appB);
    stale.cookies.set('sid', before!);
    assert.equal((await stale.api('GET', '/me')).json<{ user: unknown }>().user, null);

    const logout = await alice.api('POST', '/logout');
    assert.equal(logout.status, 200);
    assert.notEqual(alice.cookies.get('sid'), afterSignup, 'logout rotates the session id');
    assert.equal((await alice.api('GET', '/me')).json<{ user: unknown }>().user, null);

    const login = await alice.api('POST', '/login', { username: 'alice', password: 'correct horse' });
    assert.equal(login.status, 200, login.text);
    assert.equal((await alice.api('GET', '/me')).json<{ user: { username: string } }>().user.username, 'alice');
    const taken = await client(appA).api('POST', '/signup', { username: 'ALICE', password: 'whatever123' });
    assert.equal(taken.status, 409);
    assert.equal(taken.json<{ error: { code: string } }>().error.code, 'WEB_ERR_USERNAME_TAKEN');
  });

  test('the session cookie is signed, HttpOnly, SameSite=Lax, and Secure only behind a trusted HTTPS proxy', async () => {
    const plain = await appA.inject({ method: 'GET', url: '/login' });
    const cookie = String(plain.headers['set-cookie']);
    assert.match(cookie, /^sid=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/);
    const viaLb = await appA.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '127.0.1.1' });
    assert.match(String(viaLb.headers['set-cookie']), /; Secure/);
    const spoofed = await appA.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '10.9.8.7' });
    assert.doesNotMatch(String(spoofed.headers['set-cookie']), /Secure/);
    // A tampered cookie is ignored (a new session is started).
    const forged = client(appA);
    const sid = cookie.split(';')[0]!.slice(4);
    forged.cookies.set('sid', `${sid.slice(0, 21)}x${sid.slice(22)}`);
    assert.equal((await forged.api('GET', '/me')).json<{ user: unknown }>().user, null);
  });

  test('forms need the CSRF token and the JSON API needs X-Requested-With and a matching Origin', async () => {
    const bob = client(appA);
    const page = await bob.call('GET', '/login');
    const csrf = CookieClient.csrfOf(page.text);
    const noToken = await bob.call('POST', '/login', { form: { username: 'user1', password: SEED_PASSWORD } });
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /WEB_ERR_CSRF/);
    const ok = await bob.call('POST', '/login', { form: { _csrf: csrf, username: 'user1', password: SEED_PASSWORD } });
    assert.equal(ok.status, 303, ok.text);
    // The token is bound to the session id, which the login rotated: the old token is now refused.
    const [id] = await productIds(1);
    const stale = await bob.call('POST', '/cart', { form: { _csrf: csrf, productId: String(id), quantity: '1' } });
    assert.equal(stale.status, 403);

    const noHeader = await bob.call('POST', '/api/cart', { json: { productId: id } });
    assert.equal(noHeader.status, 403);
    assert.equal(noHeader.json<{ error: { code: string } }>().error.code, 'WEB_ERR_CSRF');
    const crossSite = await bob.api('POST', '/cart', { productId: id }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    const sameSite = await bob.api('POST', '/cart', { productId: id }, { origin: 'http://localhost:80' });
    assert.equal(sameSite.status, 200, sameSite.text);
  });

  test('failed logins are limited per account across replicas (memcached counters)', async () => {
    const ip = '127.0.0.9';
    for (let i = 0; i < 3; i++) {
      const c = client(i % 2 ? appA : appB, ip);
      const res = await c.api('POST', '/login', { username: 'user7', password: 'wrong-password' });
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'WEB_ERR_BAD_CREDENTIALS');
    }
    const blocked = await client(appA, ip).api('POST', '/login', { username: 'user7', password: SEED_PASSWORD });
    assert.equal(blocked.status, 429, blocked.text);
    assert.equal(blocked.json<{ error: { code: string } }>().error.code, 'WEB_ERR_RATE_LIMITED');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    // Another account is not affected; an unknown user answers like a wrong password.
    assert.equal((await client(appB, ip).api('POST', '/login', { username: 'user8', password: SEED_PASSWORD })).status, 200);
    assert.equal((await client(appB, ip).api('POST', '/login', { username: 'nobody-here', password: 'x' })).status, 401);
  });

  test('failed logins are limited per IP', async () => {
    const ctx = createWebContext(webTestConfig({ ...env('web-ip'), LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_MAX_FAILURES_PER_ACCOUNT: '100' }));
    const app = await buildApp(ctx);
    try {
      for (let i = 0; i < 4; i++) {
        const res = await client(app, '127.0.0.77').api('POST', '/login', { username: `user${20 + i}`, password: 'nope' });
        assert.equal(res.status, 401);
      }
      const blocked = await client(app, '127.0.0.77').api('POST', '/login', { username: 'user30', password: SEED_PASSWORD });
      assert.equal(blocked.status, 429);
      const elsewhere = await client(app, '127.0.0.78').api('POST', '/login', { username: 'user30', password: SEED_PASSWORD });
      assert.equal(elsewhere.status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('cart and checkout', () => {
  test('concurrent cart updates from two replicas all land (optimistic concurrency with retries on 412)', async () => {
    const carol = client(appA);
    const [id1, id2] = await productIds(2, 3);
    assert.equal((await carol.api('POST', '/cart', { productId: id1, quantity: 1 })).status, 200);
    const sid = carol.cookies.get('sid')!;
    const adds = Array.from({ length: 12 }, (_, i) => {
      const c = client(i % 2 ? appA : appB);
      c.cookies.set('sid', sid);
      return c.api('POST', '/cart', { productId: i % 4 === 0 ? id2 : id1, quantity: 1 });
    });
    const results = await Promise.all(adds);
    for (const r of results) assert.equal(r.status, 200, r.text);
    const cart = (await carol.api('GET', '/cart')).json<{ lines: { productId: number; quantity: number }[] }>();
    const q = new Map(cart.lines.map((l) => [l.productId, l.quantity]));
    assert.equal(q.get(id1), 10);
    assert.equal(q.get(id2), 3);
    const text = await ctxA.registry.getSingleMetricAsString('scaleout_web_session_conflicts_total');
    const textB = await ctxB.registry.getSingleMetricAsString('scaleout_web_session_conflicts_total');
    const conflicts = [text, textB].map((t) => Number(/\s(\d+)$/m.exec(t)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
    assert.ok(conflicts > 0, 'the concurrent writes did conflict and were retried');
  });

  test('checkout writes the order, decrements stock, empties the cart; a double submit places one order', async () => {
    const dave = client(appA);
    assert.equal((await dave.api('POST', '/login', { username: 'user11', password: SEED_PASSWORD })).status, 200);
    const ids = await productIds(3, 20);
    for (const [i, id] of ids.entries()) assert.equal((await dave.api('POST', '/cart', { productId: id, quantity: i + 1 })).status, 200);
    const stockBefore = await Promise.all(ids.map(async (id) => (await appA.inject({ method: 'GET', url: `/api/products/${id}` })).json<{ stock: number }>().stock));
    const key = 'double-submit-key-0001';
    const second = client(appB);
    second.cookies.set('sid', dave.cookies.get('sid')!);
    const [r1, r2] = await Promise.all([dave.api('POST', '/checkout', { idempotencyKey: key }), second.api('POST', '/checkout', { idempotencyKey: key })]);
    const statuses = [r1.status, r2.status].sort();
    assert.deepEqual(statuses, [200, 201], `${r1.text} ${r2.text}`);
    const o1 = r1.json<{ order: { id: number; itemCount: number } }>().order;
    const o2 = r2.json<{ order: { id: number } }>().order;
    assert.equal(o1.id, o2.id);
    assert.equal(o1.itemCount, 6);
    const [count] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?', [key]);
    assert.equal(Number(count!.n), 1);
    const stockAfter = await Promise.all(ids.map(async (id) => (await appB.inject({ method: 'GET', url: `/api/products/${id}` })).json<{ stock: number }>().stock));
    assert.deepEqual(
      stockAfter,
      stockBefore.map((s, i) => s - (i + 1)),
      'stock decremented and the cached products invalidated',
    );
    const cart = (await dave.api('GET', '/cart')).json<{ lines: unknown[] }>();
    assert.equal(cart.lines.length, 0);
    const orders = (await dave.api('GET', '/orders')).json<{ orders: { id: number }[] }>().orders;
    assert.equal(orders[0]!.id, o1.id);
    // A replay later returns the same order and does not touch the (now empty) cart.
    const replay = await dave.api('POST', '/checkout', undefined, { 'idempotency-key': key });
    assert.equal(replay.status, 200);
    assert.equal(replay.json<{ replayed: boolean }>().replayed, true);
  });

  test('50 concurrent checkouts of a product with stock 10: exactly 10 orders, stock 0', async () => {
    const [id] = await productIds(1, 30);
    assert.equal(
      (
        await appA.inject({ method: 'PATCH', url: `/api/products/${id}`, headers: { authorization: 'Bearer dev-admin-token' }, payload: { stock: 10 } })
      ).statusCode,
      200,
    );
    const buyers: CookieClient[] = [];
    for (let i = 0; i < 50; i++) {
      const c = client(i % 2 ? appA : appB);
      const login = await c.api('POST', '/login', { username: `user${i + 21}`, password: SEED_PASSWORD });
      assert.equal(login.status, 200, login.text);
      assert.equal((await c.api('POST', '/cart', { productId: id, quantity: 1 })).status, 200);
      buyers.push(c);
    }
    const [ordersBefore] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM order_lines WHERE product_id = ?', [id]);
    const results = await Promise.all(buyers.map((c, i) => c.api('POST', '/checkout', { idempotencyKey: `stock-race-${i}-xyz` })));
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 409 && r.json<{ error: { code: string } }>().error.code === 'WEB_ERR_OUT_OF_STOCK').length;
    assert.equal(created, 10, results.map((r) => r.status).join(','));
    assert.equal(refused, 40);
    const [row] = await dbRows<{ stock: number }>('SELECT stock FROM products WHERE id = ?', [id]);
    assert.equal(Number(row!.stock), 0);
    const [ordersAfter] = await dbRows<{ n: number }>('SELECT COUNT(*) AS n FROM order_lines WHERE product_id = ?', [id]);
    assert.equal(Number(ordersAfter!.n) - Number(ordersBefore!.n), 10);
  });

  test('the HTML flow: add to cart, check out with the form, see the order; unknown cart product is a 404', async () => {
    const erin = client(appA);
    const loginPage = await erin.call('GET', '/login');
    const login = await erin.call('POST', '/login', { form: { _csrf: CookieClient.csrfOf(loginPage.text), username: 'user12', password: SEED_PASSWORD, next: '/cart' } });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/cart');
    const [id] = await productIds(1, 40);
    const productPage = await erin.call('GET', `/products/${id}`);
    assert.match(productPage.text, /Logged in as <strong>user12<\/strong>/);
    const add = await erin.call('POST', '/cart', { form: { _csrf: CookieClient.csrfOf(productPage.text), productId: String(id), quantity: '2' } });
    assert.equal(add.status, 303);
    const missing = await erin.call('POST', '/cart', { form: { _csrf: CookieClient.csrfOf(productPage.text), productId: '999999998', quantity: '1' } });
    assert.equal(missing.status, 404);
    const cartPage = await erin.call('GET', '/cart');
    assert.match(cartPage.text, /id="cart-items">2</);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(cartPage.text)![1]!;
    const checkout = await erin.call('POST', '/checkout', { form: { _csrf: CookieClient.csrfOf(cartPage.text), idempotencyKey: key } });
    assert.equal(checkout.status, 303, checkout.text);
    assert.match(String(checkout.headers.location), /^\/orders\/\d+\?placed=1$/);
    const again = await erin.call('POST', '/checkout', { form: { _csrf: CookieClient.csrfOf(cartPage.text), idempotencyKey: key } });
    assert.equal(again.headers.location, checkout.headers.location, 'a resubmitted form shows the same order');
    const order = await erin.call('GET', String(checkout.headers.location));
    assert.match(order.text, /your order is placed/);
    const history = await erin.call('GET', '/orders');
    assert.match(history.text, new RegExp(`Order #${/\/orders\/(\d+)/.exec(String(checkout.headers.location))![1]}`));
  });

  test('checkout needs a login and an idempotency key', async () => {
    const anon = client(appA);
    const noKey = await anon.api('POST', '/checkout', {});
    assert.equal(noKey.status, 400);
    const noLogin = await anon.api('POST', '/checkout', { idempotencyKey: 'abcdefgh1234' });
    assert.equal(noLogin.status, 401);
    assert.equal(noLogin.json<{ error: { code: string } }>().error.code, 'WEB_ERR_LOGIN_REQUIRED');
  });
});
