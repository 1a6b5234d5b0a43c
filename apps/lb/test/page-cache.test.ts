// Page cache through a real LB (in process, raw-socket data plane) in front of a real HTTP origin.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOrigin, type Origin, type OriginAnswer, type SeenRequest } from './fixtures/origin.js';
import { admin, request, sleep, startLb, until, type Reply, type TestLb } from './helpers.js';

const routes = new Map<string, (req: SeenRequest, n: number) => OriginAnswer>();
let origin: Origin;
let t: TestLb;

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> => request({ port: t.port, path, headers, method });
const route = (path: string, h: (req: SeenRequest, n: number) => OriginAnswer) => routes.set(path, h);

before(async () => {
  origin = await startOrigin((req, n) => {
    const h = routes.get(req.path.split('?')[0]!);
    return h ? h(req, n) : { status: 404, body: 'no route' };
  });
  t = await startLb({
    LB_SERVERS: origin.address,
    LB_CACHE: 'true',
    LB_CACHE_PATHS: '/c/',
    LB_CACHE_GRACE: '0',
    LB_CACHE_MAX_VARIANTS: '2',
    LB_RETRIES: '0',
  });
});

after(async () => {
  await t.close();
  await origin.close();
});

describe('RFC 9111 freshness', () => {
  test('max-age: HIT with a growing Age until it expires; the upstream X-Cache becomes X-Cache-Upstream', async () => {
    route('/c/max-age', () => ({ headers: { 'cache-control': 'max-age=1', 'x-cache': 'MISS' } }));
    const a = await get('/c/max-age');
    assert.equal(a.headers['x-cache'], 'MISS');
    assert.equal(a.headers['x-cache-upstream'], 'MISS');
    const b = await get('/c/max-age');
    assert.equal(b.headers['x-cache'], 'HIT');
    assert.equal(b.headers['x-cache-upstream'], 'MISS');
    assert.equal(b.body, a.body);
    assert.equal(b.headers.age, '0');
    assert.equal(origin.count('/c/max-age'), 1);
    await sleep(1400);
    const c = await get('/c/max-age');
    assert.equal(c.headers['x-cache'], 'MISS', 'expired after max-age');
    assert.equal(origin.count('/c/max-age'), 2);
    assert.match(c.body, /#2$/);
  });

  test('s-maxage wins over max-age for a shared cache; Expires without max-age; an invalid Expires is already expired', async () => {
    route('/c/smax', () => ({ headers: { 'cache-control': 'max-age=0, s-maxage=60' } }));
    route('/c/expires', () => ({ headers: { expires: new Date(Date.now() + 60_000).toUTCString(), date: new Date().toUTCString() } }));
    route('/c/expires-bad', () => ({ headers: { expires: '0' } }));
    route('/c/max-over-expires', () => ({ headers: { 'cache-control': 'max-age=0', expires: new Date(Date.now() + 60_000).toUTCString() } }));
    for (const p of ['/c/smax', '/c/expires', '/c/expires-bad', '/c/max-over-expires']) {
      await get(p);
      await get(p);
    }
    assert.equal(origin.count('/c/smax'), 1);
    assert.equal(origin.count('/c/expires'), 1);
    assert.equal(origin.count('/c/expires-bad'), 2);
    assert.equal(origin.count('/c/max-over-expires'), 2, 'max-age=0 overrides Expires');
  });

  test('an upstream Age counts against max-age; an answer older than its lifetime is not fresh', async () => {
    route('/c/aged', () => ({ headers: { 'cache-control': 'max-age=100', age: '40' } }));
    route('/c/too-old', () => ({ headers: { 'cache-control': 'max-age=100', age: '150' } }));
    await get('/c/aged');
    const hit = await get('/c/aged');
    assert.equal(hit.headers['x-cache'], 'HIT');
    assert.ok(Number(hit.headers.age) >= 40, `Age ${hit.headers.age} includes the upstream age`);
    await get('/c/too-old');
    const again = await get('/c/too-old');
    assert.notEqual(again.headers['x-cache'], 'HIT');
    assert.equal(origin.count('/c/too-old'), 2);
  });

  test('no-store, private and Set-Cookie are never stored; a Set-Cookie answer never reaches another client', async () => {
    route('/c/no-store', () => ({ headers: { 'cache-control': 'no-store, max-age=60' } }));
    route('/c/private', () => ({ headers: { 'cache-control': 'private, max-age=60' } }));
    route('/c/cookie', (_r, n) => ({ headers: { 'cache-control': 'public, max-age=60', 'set-cookie': `secret=${n}; Path=/` } }));
    for (const p of ['/c/no-store', '/c/private']) {
      await get(p);
      assert.notEqual((await get(p)).headers['x-cache'], 'HIT');
      assert.equal(origin.count(p), 2);
    }
    const first = await get('/c/cookie');
    assert.deepEqual(first.headers['set-cookie']?.filter((c) => c.startsWith('secret=')), ['secret=1; Path=/']);
    const second = await get('/c/cookie');
    assert.deepEqual(second.headers['set-cookie']?.filter((c) => c.startsWith('secret=')), ['secret=2; Path=/'], 'the second client gets its own answer');
    assert.equal(origin.count('/c/cookie'), 2);
  });

  test('Vary: one variant per value, at most LB_CACHE_MAX_VARIANTS; Vary: * is not stored', async () => {
    route('/c/vary', (r) => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' }, body: `lang ${r.headers['accept-language']}` }));
    route('/c/vary-star', () => ({ headers: { 'cache-control': 'max-age=60', vary: '*' } }));
    const en = await get('/c/vary', { 'accept-language': 'en' });
    const fr = await get('/c/vary', { 'accept-language': 'fr' });
    assert.equal(en.body, 'lang en');
    assert.equal(fr.body, 'lang fr');
    assert.equal((await get('/c/vary', { 'accept-language': 'en' })).body, 'lang en');
    assert.equal((await get('/c/vary', { 'accept-language': 'fr' })).headers['x-cache'], 'HIT');
    assert.equal(origin.count('/c/vary'), 2);
    await get('/c/vary', { 'accept-language': 'de' }); // third variant: the oldest (en) goes
    assert.equal((await get('/c/vary', { 'accept-language': 'de' })).headers['x-cache'], 'HIT');
    assert.equal((await get('/c/vary', { 'accept-language': 'en' })).headers['x-cache'], 'MISS');
    await get('/c/vary-star');
    await get('/c/vary-star');
    assert.equal(origin.count('/c/vary-star'), 2);
  });
});

describe('conditional requests', () => {
  test('If-None-Match and If-Modified-Since get a 304 from the cache', async () => {
    const lm = new Date(Date.now() - 3_600_000).toUTCString();
    route('/c/etag', () => ({ headers: { 'cache-control': 'max-age=60', etag: '"v1"', 'last-modified': lm } }));
    await get('/c/etag');
    const inm = await get('/c/etag', { 'if-none-match': 'W/"v1"' });
    assert.equal(inm.status, 304);
    assert.equal(inm.body, '');
    assert.equal(inm.headers.etag, '"v1"');
    assert.equal(inm.headers['x-cache'], 'HIT');
    const other = await get('/c/etag', { 'if-none-match': '"v0"' });
    assert.equal(other.status, 200, 'another tag gets the body');
    assert.equal((await get('/c/etag', { 'if-modified-since': new Date().toUTCString() })).status, 304);
    assert.equal((await get('/c/etag', { 'if-modified-since': new Date(Date.now() - 7_200_000).toUTCString() })).status, 200);
    assert.equal(origin.count('/c/etag'), 1);
  });

  test('a stale object is revalidated with If-None-Match; the server\'s 304 refreshes it', async () => {
    route('/c/reval', (r, n) => (r.headers['if-none-match'] === '"r1"' ? { status: 304, headers: { 'cache-control': 'max-age=1', etag: '"r1"' } } : { headers: { 'cache-control': 'max-age=1', etag: '"r1"' }, body: `full ${n}` }));
    await get('/c/reval');
    await sleep(1300);
    const r = await get('/c/reval');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'full 1', 'the stored body answers');
    assert.equal(r.headers['x-cache'], 'REVALIDATED');
    assert.equal(origin.seen.filter((s) => s.path === '/c/reval').at(-1)!.headers['if-none-match'], '"r1"');
    assert.equal((await get('/c/reval')).headers['x-cache'], 'HIT', 'fresh again after the 304');
  });

  test('no-cache: stored, but validated with the server before every use', async () => {
    route('/c/no-cache', (r) => (r.headers['if-none-match'] ? { status: 304, headers: { 'cache-control': 'no-cache', etag: '"n"' } } : { headers: { 'cache-control': 'no-cache', etag: '"n"' }, body: 'nc' }));
    await get('/c/no-cache');
    const a = await get('/c/no-cache');
    const b = await get('/c/no-cache');
    assert.equal(a.headers['x-cache'], 'REVALIDATED');
    assert.equal(b.headers['x-cache'], 'REVALIDATED');
    assert.equal(b.body, 'nc');
    assert.equal(origin.count('/c/no-cache'), 3);
  });
});

describe('RFC 5861 and coalescing', () => {
  test('stale-while-revalidate serves stale while exactly one refresh runs', async () => {
    route('/c/swr', (_r, n) => ({ headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' }, body: `v${n}`, delayMs: n > 1 ? 300 : 0 }));
    await get('/c/swr');
    await sleep(1300);
    const replies = await Promise.all(Array.from({ length: 20 }, () => get('/c/swr')));
    for (const r of replies) {
      assert.equal(r.body, 'v1');
      assert.equal(r.headers['x-cache'], 'STALE');
    }
    await until('the refresh', () => origin.count('/c/swr') === 2, 5000);
    await sleep(600); // the refresh answers after 300 ms
    assert.equal(origin.count('/c/swr'), 2, 'one refresh for 20 stale hits');
    const fresh = await get('/c/swr');
    assert.equal(fresh.body, 'v2');
    assert.equal(fresh.headers['x-cache'], 'HIT');
  });

  test('stale-if-error: a 500 gets the stale object; must-revalidate never serves stale', async () => {
    let fail = false;
    route('/c/sie', (_r, n) => (fail ? { status: 500, body: 'boom' } : { headers: { 'cache-control': 'max-age=1, stale-if-error=60' }, body: `ok ${n}` }));
    route('/c/mr', (_r, n) => (fail ? { status: 500, body: 'boom' } : { headers: { 'cache-control': 'max-age=1, must-revalidate, stale-if-error=60' }, body: `ok ${n}` }));
    await get('/c/sie');
    await get('/c/mr');
    await sleep(1300);
    fail = true;
    const s = await get('/c/sie');
    assert.equal(s.status, 200);
    assert.equal(s.body, 'ok 1');
    assert.equal(s.headers['x-cache'], 'STALE');
    const m = await get('/c/mr');
    assert.equal(m.status, 500);
  });

  test('100 concurrent misses for one URL send exactly 1 request to the server', async () => {
    route('/c/herd', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'herd', delayMs: 300 }));
    const replies = await Promise.all(Array.from({ length: 100 }, () => get('/c/herd')));
    assert.ok(replies.every((r) => r.status === 200 && r.body === 'herd'));
    assert.equal(origin.count('/c/herd'), 1);
    const stats = JSON.parse((await admin(t.adminPort, 'GET', '/api/cache')).body) as { objects: number };
    assert.ok(stats.objects > 0);
    const metrics = (await request({ port: t.adminPort, path: '/metrics' })).body;
    assert.match(metrics, /scaleout_lb_cache_coalesced_total\{pool="web"\} (9\d|1\d\d)/);
  });

  test('hit-for-miss: uncacheable answers are not serialised behind each other', async () => {
    route('/c/uncacheable', () => ({ headers: { 'cache-control': 'no-store' }, delayMs: 200 }));
    await get('/c/uncacheable'); // learns hit-for-miss
    const before = origin.peak;
    origin.peak = 0;
    await Promise.all(Array.from({ length: 10 }, () => get('/c/uncacheable')));
    assert.equal(origin.count('/c/uncacheable'), 11);
    assert.ok(origin.peak >= 5, `requests ran in parallel (peak ${origin.peak})`);
    origin.peak = Math.max(before, origin.peak);
  });

  test('a chunked answer is stored de-chunked and served with Content-Length', async () => {
    route('/c/chunked', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'chunked body', chunked: true }));
    assert.equal((await get('/c/chunked')).body, 'chunked body');
    const hit = await get('/c/chunked');
    assert.equal(hit.headers['x-cache'], 'HIT');
    assert.equal(hit.headers['content-length'], '12');
    assert.equal(hit.body, 'chunked body');
    const head = await get('/c/chunked', {}, 'HEAD');
    assert.equal(head.headers['x-cache'], 'HIT');
    assert.equal(head.body, '');
  });
});

describe('cookies', () => {
  test('a session cookie bypasses the cache; the sticky cookie neither bypasses nor fragments it', async () => {
    route('/c/page', (r) => ({ headers: { 'cache-control': 'public, max-age=60' }, body: `cookie=${r.headers.cookie ?? ''}` }));
    const first = await get('/c/page');
    const srv = first.headers['set-cookie']?.find((c) => c.startsWith('SRV='))?.split(';')[0];
    assert.ok(srv, 'the LB pins the first client');
    const sticky = await get('/c/page', { cookie: srv! });
    assert.equal(sticky.headers['x-cache'], 'HIT');
    const other = await get('/c/page', { cookie: `${srv}; theme=dark` });
    assert.equal(other.headers['x-cache'], 'HIT', 'other cookies do not fragment without Vary: Cookie');
    const session = await get('/c/page', { cookie: 'sid=abc' });
    assert.equal(session.headers['x-cache'], 'BYPASS');
    assert.equal(session.body, 'cookie=sid=abc');
    assert.equal(origin.count('/c/page'), 2);
  });

  test('outside LB_CACHE_PATHS nothing is cached and X-Cache is left alone', async () => {
    route('/u/page', () => ({ headers: { 'cache-control': 'max-age=60', 'x-cache': 'HIT' } }));
    await get('/u/page');
    const r = await get('/u/page');
    assert.equal(r.headers['x-cache'], 'HIT');
    assert.equal(r.headers['x-cache-upstream'], undefined);
    assert.equal(origin.count('/u/page'), 2);
  });
});

describe('invalidation', () => {
  test('PURGE: 403 without the token, 200 with it; the next request is a miss', async () => {
    route('/c/purge-me', () => ({ headers: { 'cache-control': 'max-age=60' } }));
    await get('/c/purge-me');
    const denied = await get('/c/purge-me', {}, 'PURGE');
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['x-scaleout-error'], 'LB_ERR_PURGE_FORBIDDEN');
    assert.equal((await get('/c/purge-me', { authorization: 'Bearer wrong-token' }, 'PURGE')).status, 403);
    assert.equal((await get('/c/purge-me')).headers['x-cache'], 'HIT');
    const ok = await get('/c/purge-me', { authorization: 'Bearer test-admin-token' }, 'PURGE');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { purged: 1 });
    assert.equal((await get('/c/purge-me')).headers['x-cache'], 'MISS');
  });

  test('admin API: purge a URL, ban by surrogate key and by expression; a bad expression is a 400 with the reason', async () => {
    route('/c/p1', () => ({ headers: { 'cache-control': 'max-age=60', 'surrogate-key': 'catalogue p1' } }));
    route('/c/p2', () => ({ headers: { 'cache-control': 'max-age=60', xkey: 'p2' } }));
    route('/c/p3', () => ({ headers: { 'cache-control': 'max-age=60' } }));
    for (const p of ['/c/p1', '/c/p2', '/c/p3']) await get(p);
    const unauth = await admin(t.adminPort, 'POST', '/api/cache/ban', { keys: ['p1'] }, '');
    assert.equal(unauth.status, 401);
    const b1 = await admin(t.adminPort, 'POST', '/api/cache/ban', { keys: ['p1', 'p2'] });
    assert.equal(b1.status, 200);
    assert.deepEqual(JSON.parse(b1.body), { banned: 2 });
    assert.equal((await get('/c/p1')).headers['x-cache'], 'MISS');
    assert.equal((await get('/c/p2')).headers['x-cache'], 'MISS');
    assert.equal((await get('/c/p3')).headers['x-cache'], 'HIT');
    const b2 = await admin(t.adminPort, 'POST', '/api/cache/ban', { expression: 'req.url ~ "^/c/p[0-9]$" && obj.status == 200' });
    assert.equal(JSON.parse(b2.body).banned, 3);
    const bad = await admin(t.adminPort, 'POST', '/api/cache/ban', { expression: 'req.url ~ "("' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).code, 'LB_ERR_INVALID');
    assert.match(JSON.parse(bad.body).message, /invalid regular expression/);
    const bad2 = await admin(t.adminPort, 'POST', '/api/cache/ban', { expression: 'obj.colour == "red"' });
    assert.equal(bad2.status, 400);
    assert.match(JSON.parse(bad2.body).message, /expected a field/);
    await get('/c/p3');
    const pu = await admin(t.adminPort, 'POST', '/api/cache/purge', { url: '/c/p3' });
    assert.deepEqual(JSON.parse(pu.body), { purged: 1 });
    assert.equal((await admin(t.adminPort, 'POST', '/api/cache/purge', { url: 'ftp://x' })).status, 400);
  });
});

describe('grace, routes without cache, memory bound', () => {
  test('grace: with every server down a stale object is served; PURGE on a route without a cache is 405', async () => {
    const o2 = await startOrigin(() => ({ headers: { 'cache-control': 'max-age=1' }, body: 'graceful' }));
    const lb = await startLb({
      LB_POOLS: 'web,api',
      LB_SERVERS: o2.address,
      LB_POOL_API_SERVERS: o2.address,
      LB_ROUTES: '/api/=api',
      LB_CACHE: 'true',
      LB_CACHE_POOLS: 'web',
      LB_CACHE_GRACE: '1m',
      LB_CHECK_PATH: '/',
      LB_CHECK_INTERVAL: '100ms',
      LB_CHECK_FAST_INTERVAL: '100ms',
      LB_CHECK_DOWN_INTERVAL: '100ms',
      LB_CHECK_FALL: '1',
      LB_RETRIES: '0',
    });
    try {
      await until('server up', () => lb.lb.pools.get('web')!.anyUp, 5000);
      assert.equal((await request({ port: lb.port, path: '/g' })).body, 'graceful');
      const purge = await request({ port: lb.port, path: '/api/x', method: 'PURGE', headers: { authorization: 'Bearer test-admin-token' } });
      assert.equal(purge.status, 405);
      assert.equal(purge.headers['x-scaleout-error'], 'LB_ERR_PURGE_NOT_ALLOWED');
      await o2.close();
      await until('server down', () => !lb.lb.pools.get('web')!.anyUp, 5000);
      await sleep(1100);
      const r = await request({ port: lb.port, path: '/g' });
      assert.equal(r.status, 200);
      assert.equal(r.body, 'graceful');
      assert.equal(r.headers['x-cache'], 'STALE');
      const miss = await request({ port: lb.port, path: '/never-cached' });
      assert.ok(miss.status >= 502, `nothing to serve: ${miss.status}`);
    } finally {
      await lb.close();
    }
  });
});
