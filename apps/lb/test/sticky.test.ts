import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { admin, request, servedBy, startBackend, startLb, type Backend, type TestLb } from './helpers.js';

let backends: Backend[] = [];
let lb: TestLb;
before(async () => {
  backends = await Promise.all(['s1', 's2', 's3'].map((n) => startBackend(n)));
  lb = await startLb({ LB_SERVERS: backends.map((b) => `${b.name}=${b.address}`).join(','), LB_COOKIE_SECRET: 'a-test-cookie-secret-of-at-least-32-bytes!' });
});
after(async () => {
  await lb.close();
  await Promise.all(backends.map((b) => b.kill()));
});

const cookieOf = (setCookie: string[] | undefined) => setCookie?.find((c) => c.startsWith('SRV='))?.split(';')[0];
const setState = (server: string, state: string) => admin(lb.adminPort, 'PUT', `/api/pools/web/servers/${server}/state`, { state });

test('first response sets the cookie; the next 100 requests with it reach the same server, which never sees it', async () => {
  const first = await request({ port: lb.port, path: '/' });
  const setCookie = first.headers['set-cookie'];
  const cookie = cookieOf(setCookie);
  assert.ok(cookie, 'SRV cookie set');
  const attrs = setCookie!.find((c) => c.startsWith('SRV='))!;
  assert.match(attrs, /HttpOnly/);
  assert.match(attrs, /SameSite=Lax/);
  assert.doesNotMatch(attrs, /Secure/, 'not Secure on plain HTTP');
  assert.equal(first.headers['cache-control'], 'private', 'nocache on the response that sets it');
  for (const b of backends) assert.ok(!cookie!.includes(b.address) && !cookie!.includes(String(b.port)), 'the cookie does not reveal the address');
  const pinned = servedBy(first);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const replies = await Promise.all(Array.from({ length: 100 }, () => request({ port: lb.port, agent, headers: { cookie: `${cookie}; theme=dark` } })));
  agent.destroy();
  for (const r of replies) {
    assert.equal(r.status, 200);
    assert.equal(servedBy(r), pinned);
    assert.equal(r.headers['set-cookie'], undefined, 'not re-sent when unchanged (indirect)');
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(seen.headers.cookie, 'theme=dark', 'the server never sees the LB cookie');
  }
});

test('a forged or stale cookie is re-pinned, never an error', async () => {
  for (const forged of ['SRV=garbage', 'SRV=AAAAAAAAAAAA.bm90LWEtc2lnbmF0dXJlLW5vdC1hLXNpZ25hdHVyZS1ub3Q', 'SRV=']) {
    const r = await request({ port: lb.port, headers: { cookie: forged } });
    assert.equal(r.status, 200, forged);
    assert.ok(cookieOf(r.headers['set-cookie']), `re-pinned after ${forged}`);
  }
  // a cookie of a server that left the pool
  const first = await request({ port: lb.port });
  const cookie = cookieOf(first.headers['set-cookie'])!;
  const name = servedBy(first);
  const b = backends.find((x) => x.name === name)!;
  assert.equal((await admin(lb.adminPort, 'DELETE', `/api/pools/web/servers/${name}`)).status, 204);
  const r = await request({ port: lb.port, headers: { cookie } });
  assert.equal(r.status, 200);
  assert.notEqual(servedBy(r), name);
  assert.ok(cookieOf(r.headers['set-cookie']));
  assert.equal((await admin(lb.adminPort, 'POST', '/api/pools/web/servers', { name, address: b.address })).status, 201);
});

test('a server without cookies: source-IP hash keeps a client on one server', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 10; i++) names.add(servedBy(await request({ port: lb.port })));
  assert.equal(names.size, 1);
});

test('drain keeps sticky clients and sends no new ones; maint re-pins', async (t) => {
  const first = await request({ port: lb.port });
  const cookie = cookieOf(first.headers['set-cookie'])!;
  const pinned = servedBy(first);
  t.after(() => setState(pinned, 'ready'));
  assert.equal((await setState(pinned, 'drain')).status, 200);
  for (let i = 0; i < 20; i++) {
    const r = await request({ port: lb.port, headers: { cookie } });
    assert.equal(servedBy(r), pinned, 'still sticky while draining');
  }
  // new (cookieless) clients never land on the draining server, whatever their address
  for (const ip of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
    const r = await new Promise<{ name: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: lb.port, path: '/', localAddress: ip, agent: false }, (res) => {
          res.resume();
          resolve({ name: res.headers['x-backend'] as string });
        })
        .on('error', reject);
    });
    assert.notEqual(r.name, pinned, `drained never gets new clients (${ip})`);
  }
  assert.equal((await setState(pinned, 'maint')).status, 200);
  const moved = await request({ port: lb.port, headers: { cookie } });
  assert.equal(moved.status, 200);
  assert.notEqual(servedBy(moved), pinned, 'maint re-pins');
  assert.ok(cookieOf(moved.headers['set-cookie']), 'a new cookie is issued');
});

test('a down server re-pins its sticky clients', async (t) => {
  const first = await request({ port: lb.port });
  const cookie = cookieOf(first.headers['set-cookie'])!;
  const pinned = servedBy(first);
  const server = lb.lb.pools.get('web')!.get(pinned)!;
  server.healthy = false; // what a failed active check does
  lb.lb.pools.get('web')!.changed();
  t.after(() => {
    server.healthy = true;
    lb.lb.pools.get('web')!.changed();
  });
  const r = await request({ port: lb.port, headers: { cookie } });
  assert.notEqual(servedBy(r), pinned);
  assert.ok(cookieOf(r.headers['set-cookie']));
});

test('LB_STICKY_MOVE_DRAINING moves sticky clients off a draining server', async (t) => {
  const lb2 = await startLb({
    LB_SERVERS: backends.map((b) => `${b.name}=${b.address}`).join(','),
    LB_COOKIE_SECRET: 'a-test-cookie-secret-of-at-least-32-bytes!',
    LB_STICKY_MOVE_DRAINING: 'true',
  });
  t.after(() => lb2.close());
  const first = await request({ port: lb2.port });
  const cookie = cookieOf(first.headers['set-cookie'])!;
  const pinned = servedBy(first);
  await admin(lb2.adminPort, 'PUT', `/api/pools/web/servers/${pinned}/state`, { state: 'drain' });
  const r = await request({ port: lb2.port, headers: { cookie } });
  assert.notEqual(servedBy(r), pinned);
  assert.ok(cookieOf(r.headers['set-cookie']));
});

test('a server setting the LB cookie is overridden', async () => {
  const r = await request({ port: lb.port, path: '/set-cookie' });
  const cookies = r.headers['set-cookie']!;
  assert.ok(!cookies.some((c) => c.startsWith('SRV=from-backend')), 'the server cannot set the LB cookie');
  assert.ok(cookies.some((c) => c.startsWith('app=1')), 'other cookies pass');
});
