// Idle TTL, absolute lifetime and TTLs beyond memcached's 30-day relative limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ITEM_EXPIRY_SLACK_MS } from '../src/session-record.js';
import { DirectReader, app, memcachedPair, sleep, type SessionBody } from './helpers.js';

test('idle TTL: an untouched session expires; touches keep it alive', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { IDLE_TTL: '2s', ABSOLUTE_TTL: '1h' });
  const idle = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  const kept = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  const created = Date.now();
  assert.ok(Math.abs(Date.parse(idle.expiresAt) - (created + 2000)) < 500, 'expiresAt = now + idle TTL');
  for (let i = 0; i < 4; i++) {
    await sleep(700);
    const touched = await svc.inject({ method: 'POST', url: `/v1/sessions/${kept.id}/touch` });
    assert.equal(touched.statusCode, 200, `touch ${i}`);
  }
  // 2.8 s after creation: the untouched one is gone, the touched one is alive.
  assert.equal((await svc.inject({ url: `/v1/sessions/${idle.id}` })).statusCode, 404);
  assert.equal((await svc.inject({ url: `/v1/sessions/${kept.id}` })).statusCode, 200);
  assert.equal((await svc.inject({ method: 'POST', url: `/v1/sessions/${idle.id}/touch` })).statusCode, 404, 'an expired session cannot be touched back');
  // A replace also counts as activity.
  await sleep(1200);
  const put = await svc.inject({ method: 'PUT', url: `/v1/sessions/${kept.id}`, headers: { 'if-match': '1' }, payload: { data: { x: 1 } } });
  assert.equal(put.statusCode, 200);
  await sleep(1200);
  assert.equal((await svc.inject({ url: `/v1/sessions/${kept.id}` })).statusCode, 200);
  await sleep(2200);
  assert.equal((await svc.inject({ url: `/v1/sessions/${kept.id}` })).statusCode, 404);
});

test('absolute lifetime: touches cannot keep a session past it', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { IDLE_TTL: '2s', ABSOLUTE_TTL: '3500ms' });
  const s = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  const created = Date.now();
  let lastExpiry = 0;
  while (Date.now() - created < 3000) {
    await sleep(500);
    const r = await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/touch` });
    assert.equal(r.statusCode, 200);
    lastExpiry = Date.parse(r.json<SessionBody>().expiresAt);
    assert.ok(lastExpiry <= created + 3500 + 50, 'expiresAt never passes the absolute lifetime');
  }
  assert.ok(Math.abs(lastExpiry - (created + 3500)) < 300, 'late touches are capped at the absolute expiry');
  await sleep(Math.max(0, created + 3600 - Date.now()));
  assert.equal((await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/touch` })).statusCode, 404);
  assert.equal((await svc.inject({ url: `/v1/sessions/${s.id}` })).statusCode, 404);
  // The rotated session keeps the original absolute lifetime.
  const r = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  const t0 = Date.now();
  await sleep(1000);
  assert.equal((await svc.inject({ method: 'POST', url: `/v1/sessions/${r.id}/touch` })).statusCode, 200);
  await sleep(1000);
  const rotated = (await svc.inject({ method: 'POST', url: `/v1/sessions/${r.id}/rotate` })).json<SessionBody>();
  assert.ok(Math.abs(Date.parse(rotated.expiresAt) - (t0 + 3500)) < 300, `${rotated.expiresAt} vs ${new Date(t0 + 3500).toISOString()}: capped by the original absolute expiry, not now + idle`);
});

test('TTLs above 30 days are stored correctly (absolute exptime), on both replicas', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { IDLE_TTL: `${40 * 24}h`, ABSOLUTE_TTL: `${90 * 24}h` });
  const direct = new DirectReader();
  t.after(() => direct.close());
  const s = (await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { long: true } } })).json<SessionBody>();
  const day = 86_400_000;
  assert.ok(Math.abs(Date.parse(s.expiresAt) - (Date.now() + 40 * day)) < 5000);
  await sleep(1100); // an item sent with a relative exptime over 30 days would already be gone
  for (const node of [a.address, b.address]) {
    const got = await direct.get(node, `sess:${s.id}`);
    assert.ok(got, `present on ${node}`);
    assert.ok(
      Math.abs(got.flags * 1000 - (Date.parse(s.expiresAt) + ITEM_EXPIRY_SLACK_MS)) < 2000,
      'recorded item expiry = the session expiry plus the whole-second slack',
    );
  }
  assert.equal((await svc.inject({ url: `/v1/sessions/${s.id}` })).statusCode, 200);
  const touched = await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/touch` });
  assert.equal(touched.statusCode, 200);
  await sleep(1100);
  for (const node of [a.address, b.address]) assert.ok(await direct.get(node, `sess:${s.id}`), `still on ${node} after touch`);
});
