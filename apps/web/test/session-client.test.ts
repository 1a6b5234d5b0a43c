// Unit tests of the session client and the per-request session against a fake session server
// (the real service is used by web-app.test.ts, failures.test.ts and browser.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createSigner } from '@scaleout/hashing';
import { freePort } from '@scaleout/infra';
import { SessionUnavailableError } from '../src/errors.js';
import { CsrfTokens } from '../src/session/csrf.js';
import { RequestSession, type ShopSessionData } from '../src/session/request-session.js';
import { SessionClient } from '../src/session/session-client.js';
import { startFakeSessionServer, type FakeSessionServer } from './support/fake-session-server.js';

let fake: FakeSessionServer;
before(async () => {
  fake = await startFakeSessionServer();
});
after(() => fake.close());

test('create, get, replace with If-Match, conflict, rotate, touch, delete', async () => {
  const client = new SessionClient({ urls: [fake.url] });
  try {
    const s = await client.create<ShopSessionData>({ cart: { '3': 1 } });
    assert.equal(s.version, 1);
    assert.deepEqual((await client.get<ShopSessionData>(s.id))?.data, { cart: { '3': 1 } });
    const r = await client.replace(s.id, 1, { cart: { '3': 2 } });
    assert.ok(r && r !== 'conflict');
    assert.equal(r.version, 2);
    assert.equal(await client.replace(s.id, 1, {}), 'conflict');
    const moved = await client.rotate(s.id);
    assert.ok(moved);
    assert.notEqual(moved.id, s.id);
    assert.equal(await client.get(s.id), null);
    assert.equal(await client.touch(moved.id), true);
    await client.delete(moved.id);
    assert.equal(await client.get(moved.id), null);
    assert.equal(await client.touch(moved.id), false);
    const before = fake.requests.length;
    assert.equal(await client.get('not an id!'), null, 'malformed ids never reach the service');
    assert.equal(fake.requests.length, before);
  } finally {
    client.close();
  }
});

test('fails over to the next instance when one refuses connections or answers 5xx, and reports 503 when none answers', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const client = new SessionClient({ urls: [dead, fake.url] });
  try {
    const s = await client.create({});
    assert.ok(s.id);
    fake.failNext(503);
    const other = new SessionClient({ urls: [fake.url, fake.url] });
    assert.ok(await other.get(s.id), 'a 503 on a repeatable call moves on to the next instance');
    other.close();
    fake.failNext(503);
    await assert.rejects(client.replace(s.id, 1, {}), SessionUnavailableError, 'a replace is not repeated after an unknown outcome');
  } finally {
    client.close();
  }
  const none = new SessionClient({ urls: [dead], timeoutMs: 200 });
  await assert.rejects(none.get('A'.repeat(22)), (err: unknown) => err instanceof SessionUnavailableError && err.statusCode === 503);
  none.close();
});

test('calls are bounded by the timeout', async () => {
  const client = new SessionClient({ urls: [fake.url], timeoutMs: 100 });
  fake.delayMs = 1000;
  try {
    await assert.rejects(client.create({}), SessionUnavailableError);
  } finally {
    fake.delayMs = 0;
    client.close();
  }
});

test('RequestSession: lazy load, create with a signed cookie, read-modify-write that survives conflicts', async () => {
  const client = new SessionClient({ urls: [fake.url] });
  const secret = 'k'.repeat(40);
  const signer = createSigner(secret);
  const app = Fastify();
  app.get('/add', async (request, reply) => {
    const rs = new RequestSession({ client, signer, csrf: new CsrfTokens(secret), cookieName: 'sid' }, request, reply);
    const s = await rs.update((d) => ({ ...d, cart: { '1': (d.cart?.['1'] ?? 0) + 1 } }));
    return { id: s.id, count: s.data.cart?.['1'] };
  });
  app.get('/peek', async (request, reply) => {
    const rs = new RequestSession({ client, signer, csrf: new CsrfTokens(secret), cookieName: 'sid' }, request, reply);
    return { session: await rs.load() };
  });
  try {
    const first = await app.inject({ method: 'GET', url: '/add' });
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const { id } = first.json<{ id: string }>();
    assert.equal(signer.unsign(cookie.slice(4)), id);
    const results = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'GET', url: '/add', headers: { cookie } })));
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(fake.sessions.get(id)?.data, { cart: { '1': 9 } });
    const none = await app.inject({ method: 'GET', url: '/peek' });
    assert.equal(none.json<{ session: unknown }>().session, null);
    assert.equal(none.headers['set-cookie'], undefined, 'reading creates no session');
    const gone = await app.inject({ method: 'GET', url: '/peek', headers: { cookie: `sid=${signer.sign('B'.repeat(22))}` } });
    assert.match(String(gone.headers['set-cookie']), /Max-Age=0/, 'a cookie for a vanished session is cleared');
  } finally {
    await app.close();
    client.close();
  }
});
