// The optional durable tier: sessions survive a full memcached restart, MariaDB guards concurrent writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { startMariadb, type TestMariadb } from '@scaleout/testing';
import { SESSION_TABLE } from '../src/index.js';
import { app, inBatches, memcachedPair, waitFor, type SessionBody } from './helpers.js';

async function mariadbWithApp(t: { after(fn: () => unknown): void }): Promise<TestMariadb> {
  const db = await startMariadb();
  t.after(() => db.stop());
  const root = await mysql.createConnection({ socketPath: db.socket, user: 'root' });
  await root.query('CREATE DATABASE IF NOT EXISTS shop');
  await root.query("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app'");
  await root.query("GRANT ALL ON shop.* TO 'app'@'%'");
  await root.end();
  return db;
}

async function rowCount(db: TestMariadb): Promise<number> {
  const c = await mysql.createConnection({ socketPath: db.socket, user: 'root', database: 'shop' });
  const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${SESSION_TABLE}`);
  await c.end();
  return Number(rows[0]!.n);
}

test('durable tier: a full memcached restart loses no session; versions, deletes and rotations survive', async (t) => {
  const db = await mariadbWithApp(t);
  const [a, b] = await memcachedPair(t);
  const env = { DURABLE: 'true', DB_ADDRESS: `${db.host}:${db.port}` };
  const svc = await app(t, [a, b], env);
  const ready = await svc.inject({ url: '/readyz' });
  assert.equal(ready.json().checks.mariadb.ok, true);

  const sessions = await inBatches(Array.from({ length: 200 }, (_, i) => i), 16, async (i) =>
    (await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { i } } })).json<SessionBody>(),
  );
  assert.equal(await rowCount(db), 200, 'written through to MariaDB');
  // Some get a new version, some are deleted, some are rotated.
  for (const s of sessions.slice(0, 50)) {
    const r = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { i: s.data.i, v: 2 } } });
    assert.equal(r.statusCode, 200);
  }
  for (const s of sessions.slice(50, 60)) assert.equal((await svc.inject({ method: 'DELETE', url: `/v1/sessions/${s.id}` })).statusCode, 204);
  const rotated = new Map<string, SessionBody>();
  for (const s of sessions.slice(60, 70)) {
    const r = await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/rotate` });
    assert.equal(r.statusCode, 200);
    rotated.set(s.id, r.json<SessionBody>());
  }

  // Both memcached nodes restart empty.
  await Promise.all([a.start(), b.start()]);
  assert.ok(await waitFor(() => svc.sessionService.ring.status().every((n) => n.state === 'up')), 'nodes back');
  for (const [i, s] of sessions.entries()) {
    const res = await svc.inject({ url: `/v1/sessions/${s.id}` });
    if (i >= 50 && i < 70) {
      assert.equal(res.statusCode, 404, 'deleted and rotated-away ids stay gone');
      continue;
    }
    assert.equal(res.statusCode, 200, `${s.id}: ${res.body}`);
    const body = res.json<SessionBody>();
    assert.equal(body.version, i < 50 ? 2 : 1);
    assert.equal(body.data.i, s.data.i);
  }
  for (const r of rotated.values()) assert.equal((await svc.inject({ url: `/v1/sessions/${r.id}` })).json<SessionBody>().version, r.version);
  // Reloaded sessions are back in memcached and still take optimistic writes.
  const s0 = sessions[0]!;
  const again = await svc.inject({ url: `/v1/sessions/${s0.id}` });
  assert.notEqual(again.headers['x-session-source'], 'mariadb', 'repopulated into memcached');
  const put = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s0.id}`, headers: { 'if-match': '2' }, payload: { data: { v: 3 } } });
  assert.equal(put.statusCode, 200);
  const stale = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s0.id}`, headers: { 'if-match': '2' }, payload: { data: { v: 4 } } });
  assert.equal(stale.statusCode, 412);
});

test('durable tier: with every memcached down, sessions are served from MariaDB', async (t) => {
  const db = await mariadbWithApp(t);
  const [a, b] = await memcachedPair(t);
  const one = await app(t, [a, b], { DURABLE: 'true', DB_ADDRESS: `${db.host}:${db.port}`, INSTANCE: 'session1' });
  const two = await app(t, [a, b], { DURABLE: 'true', DB_ADDRESS: `${db.host}:${db.port}`, INSTANCE: 'session2' });
  const s = (await one.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { cart: 1 } } })).json<SessionBody>();
  a.kill('SIGKILL');
  b.kill('SIGKILL');
  await Promise.all([a.daemon.exited, b.daemon.exited]);
  const got = await one.inject({ url: `/v1/sessions/${s.id}` });
  assert.equal(got.statusCode, 200);
  assert.equal(got.headers['x-session-source'], 'mariadb');
  // MariaDB's version guard decides between concurrent writers when memcached cannot.
  const [r1, r2] = await Promise.all([
    one.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { by: 1 } } }),
    two.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { by: 2 } } }),
  ]);
  assert.deepEqual([r1.statusCode, r2.statusCode].sort(), [200, 412]);
  const created = await two.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { offline: true } } });
  assert.equal(created.statusCode, 201);
  assert.equal((await one.inject({ url: `/v1/sessions/${created.json<SessionBody>().id}` })).statusCode, 200);
  assert.equal((await one.inject({ url: '/readyz' })).statusCode, 503, 'not ready without memcached (it is the primary store)');
});

test('durable tier off by default: no MariaDB needed, none contacted', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { DB_ADDRESS: '127.0.0.1:1' });
  assert.equal(svc.sessionService.durable, undefined);
  const ready = await svc.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().checks.mariadb, undefined);
  assert.equal((await svc.inject({ method: 'POST', url: '/v1/sessions' })).statusCode, 201);
});
