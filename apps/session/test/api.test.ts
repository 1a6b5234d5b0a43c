// The HTTP contract of the session service against real memcached processes.
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomId } from '@scaleout/hashing';
import { startMemcached } from '@scaleout/testing';
import { DirectReader, app, memcachedPair, type SessionBody } from './helpers.js';

test('create, get, replace, touch, rotate and delete follow the public contract', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { INSTANCE: 'session7' });
  const direct = new DirectReader();
  t.after(() => direct.close());

  const created = await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: { cart: ['apple'] } } });
  assert.equal(created.statusCode, 201);
  const s = created.json<SessionBody>();
  assert.deepEqual(Object.keys(s).sort(), ['data', 'expiresAt', 'id', 'version']);
  assert.match(s.id, /^[A-Za-z0-9_-]{22}$/, '128-bit base64url id');
  assert.equal(s.version, 1);
  assert.deepEqual(s.data, { cart: ['apple'] });
  const exp = Date.parse(s.expiresAt);
  assert.ok(exp > Date.now() + 29 * 60_000 && exp <= Date.now() + 30 * 60_000, 'default idle TTL 30 min');
  assert.equal(created.headers['x-served-by'], 'session7');
  assert.equal(created.headers.location, `/v1/sessions/${s.id}`);
  assert.equal(created.headers.etag, '"1"');
  assert.equal(created.headers['cache-control'], 'no-store');
  for (const node of [a.address, b.address]) assert.equal((await direct.session(node, s.id))?.version, 1, `stored on ${node}`);

  const got = await svc.inject({ url: `/v1/sessions/${s.id}` });
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.json(), s);
  assert.ok([a.address, b.address].includes(got.headers['x-session-source'] as string));

  const put = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '"1"' }, payload: { data: { cart: ['apple', 'pear'] } } });
  assert.equal(put.statusCode, 200);
  assert.equal(put.json<SessionBody>().version, 2);
  assert.equal(put.headers.etag, '"2"');
  const stale = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: {} } });
  assert.equal(stale.statusCode, 412);
  assert.equal(stale.json().error.code, 'SESSION_ERR_VERSION_MISMATCH');
  const noIfMatch = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, payload: { data: {} } });
  assert.equal(noIfMatch.statusCode, 428);
  assert.equal(noIfMatch.json().error.code, 'SESSION_ERR_PRECONDITION_REQUIRED');
  const badIfMatch = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': 'yesterday' }, payload: { data: {} } });
  assert.equal(badIfMatch.statusCode, 400);
  const star = await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '*' }, payload: { data: { n: 3 } } });
  assert.equal(star.json<SessionBody>().version, 3);

  const touched = await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/touch` });
  assert.equal(touched.statusCode, 200);
  assert.equal(touched.json<SessionBody>().version, 3, 'touch does not change the version');
  assert.ok(Date.parse(touched.json<SessionBody>().expiresAt) >= Date.parse(star.json<SessionBody>().expiresAt));

  const rotated = await svc.inject({ method: 'POST', url: `/v1/sessions/${s.id}/rotate` });
  assert.equal(rotated.statusCode, 200);
  const r = rotated.json<SessionBody>();
  assert.notEqual(r.id, s.id);
  assert.deepEqual(r.data, { n: 3 });
  assert.equal((await svc.inject({ url: `/v1/sessions/${s.id}` })).statusCode, 404, 'old id gone');
  assert.equal((await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '*' }, payload: { data: {} } })).statusCode, 404);
  assert.equal((await svc.inject({ url: `/v1/sessions/${r.id}` })).json<SessionBody>().version, r.version);
  for (const node of [a.address, b.address]) assert.equal((await direct.session(node, s.id))?.deleted, true, 'old id tombstoned on every replica');

  const del = await svc.inject({ method: 'DELETE', url: `/v1/sessions/${r.id}` });
  assert.equal(del.statusCode, 204);
  assert.equal(del.headers['x-served-by'], 'session7');
  assert.equal((await svc.inject({ url: `/v1/sessions/${r.id}` })).statusCode, 404);
  assert.equal((await svc.inject({ method: 'DELETE', url: `/v1/sessions/${r.id}` })).statusCode, 404);
  assert.equal((await svc.inject({ method: 'POST', url: `/v1/sessions/${r.id}/touch` })).statusCode, 404);

  const empty = await svc.inject({ method: 'POST', url: '/v1/sessions' });
  assert.equal(empty.statusCode, 201);
  assert.deepEqual(empty.json<SessionBody>().data, {});
});

test('bad input: malformed ids, oversized bodies, wrong types and unknown routes', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b], { MAX_DATA_BYTES: '1000' });
  const expect = async (req: InjectOptions, status: number, code: string) => {
    const res = await svc.inject(req);
    assert.equal(res.statusCode, status, `${JSON.stringify(req)}: ${res.body}`);
    assert.equal(res.json().error.code, code);
    assert.ok(res.headers['x-served-by'], 'X-Served-By on errors too');
  };
  for (const id of ['x', 'not-an-id', 'A'.repeat(23), `${'A'.repeat(21)}B`, 'A'.repeat(400), '%20'.repeat(8)]) {
    await expect({ url: `/v1/sessions/${id}` }, 404, 'SESSION_ERR_NOT_FOUND');
    await expect({ method: 'DELETE', url: `/v1/sessions/${id}` }, 404, 'SESSION_ERR_NOT_FOUND');
  }
  assert.equal((await svc.inject({ url: '/v1/sessions/%2e%2e' })).statusCode, 404);
  await expect({ url: '/v1/sessions/%E0%A4%A' }, 400, 'SESSION_ERR_BAD_REQUEST');
  await expect({ url: `/v1/sessions/${randomId()}` }, 404, 'SESSION_ERR_NOT_FOUND');
  await expect({ method: 'POST', url: '/v1/sessions', payload: { data: { s: 'x'.repeat(1200) } } }, 413, 'SESSION_ERR_TOO_LARGE');
  await expect({ method: 'POST', url: '/v1/sessions', payload: { data: { s: 'x'.repeat(5000) } } }, 413, 'SESSION_ERR_TOO_LARGE');
  await expect({ method: 'POST', url: '/v1/sessions', payload: 'data=1', headers: { 'content-type': 'text/plain' } }, 415, 'SESSION_ERR_BAD_MEDIA_TYPE');
  await expect({ method: 'POST', url: '/v1/sessions', payload: '{"data":', headers: { 'content-type': 'application/json' } }, 400, 'SESSION_ERR_BAD_REQUEST');
  await expect({ method: 'POST', url: '/v1/sessions', payload: { data: [1, 2] } }, 400, 'SESSION_ERR_BAD_REQUEST');
  await expect({ method: 'POST', url: '/v1/sessions', payload: { data: {}, extra: 1 } }, 400, 'SESSION_ERR_BAD_REQUEST');
  const s = (await svc.inject({ method: 'POST', url: '/v1/sessions', payload: { data: {} } })).json<SessionBody>();
  await expect({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { nodata: true } }, 400, 'SESSION_ERR_BAD_REQUEST');
  await expect({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { s: 'y'.repeat(1001) } } }, 413, 'SESSION_ERR_TOO_LARGE');
  await expect({ url: '/v2/sessions' }, 404, 'SESSION_ERR_NO_ROUTE');
  for (const url of ['/healthz', '/readyz', '/metrics', '/v1/ring']) {
    const res = await svc.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['x-served-by'], 'session-test', url);
  }
});

test('malformed ids answer 404 without touching memcached; well-formed ids need it (503 when all nodes are down)', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b]);
  const s = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  a.kill('SIGKILL');
  b.kill('SIGKILL');
  await Promise.all([a.daemon.exited, b.daemon.exited]);
  const callsBefore = await memcachedCalls(svc);
  for (const id of ['bad', '../../etc', 'A'.repeat(30)]) assert.equal((await svc.inject({ url: `/v1/sessions/${id}` })).statusCode, 404);
  assert.equal(await memcachedCalls(svc), callsBefore, 'no memcached call for malformed ids');
  const down = await svc.inject({ url: `/v1/sessions/${s.id}` });
  assert.equal(down.statusCode, 503);
  assert.equal(down.json().error.code, 'SESSION_ERR_UNAVAILABLE');
  assert.doesNotMatch(down.body, /127\.0\.0\.1|ECONN|memjs/, '5xx answers carry no internals');
  const ready = await svc.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.match(ready.json().checks.memcached.error, /no memcached node is up/);
});

async function memcachedCalls(svc: { inject(o: { url: string }): Promise<{ body: string }> }): Promise<number> {
  const text = (await svc.inject({ url: '/metrics' })).body;
  let n = 0;
  for (const m of text.matchAll(/^scaleout_session_memcached_requests_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

test('metrics: operations by result, latency, per-node health, repairs and conflicts', async (t) => {
  const [a, b] = await memcachedPair(t);
  const svc = await app(t, [a, b]);
  const s = (await svc.inject({ method: 'POST', url: '/v1/sessions' })).json<SessionBody>();
  await svc.inject({ url: `/v1/sessions/${s.id}` });
  await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '7' }, payload: { data: {} } });
  a.kill('SIGKILL');
  await a.daemon.exited;
  await svc.inject({ method: 'PUT', url: `/v1/sessions/${s.id}`, headers: { 'if-match': '1' }, payload: { data: { x: 1 } } });
  const text = (await svc.inject({ url: '/metrics' })).body;
  assert.match(text, /scaleout_session_operations_total\{op="create",result="ok"\} 1/);
  assert.match(text, /scaleout_session_operations_total\{op="replace",result="conflict"\} 1/);
  assert.match(text, /scaleout_session_conflicts_total\{op="replace",kind="rejected"\} 1/);
  assert.match(text, /scaleout_session_operation_duration_seconds_bucket\{le="0.005",op="get"\}/);
  assert.match(text, new RegExp(`scaleout_session_memcached_node_up\\{node="${a.address}"\\} 0`));
  assert.match(text, new RegExp(`scaleout_session_memcached_node_up\\{node="${b.address}"\\} 1`));
  assert.match(text, new RegExp(`scaleout_session_memcached_requests_total\\{node="${a.address}",op="[a-z]+",result="connection_error"\\} 1`));
  assert.match(text, /scaleout_session_memcached_repairs_total\{kind="queued",result="enqueued"\} 1/);
  assert.match(text, /scaleout_session_http_request_duration_seconds_count\{method="GET",route="\/v1\/sessions\/:id",status_code="200"\} 1/);
});

test('server.ts: starts from SESSION_* variables, serves, and exits 0 on SIGTERM', async (t) => {
  const mc = await startMemcached();
  t.after(() => mc.stop());
  const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', server], {
    env: { ...process.env, SESSION_PORT: '0', SESSION_INSTANCE: 'session-proc', SESSION_MEMCACHED: mc.address, SESSION_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let address = '';
  for (let i = 0; i < 300 && !address; i++) {
    await new Promise((r) => setTimeout(r, 50));
    address = /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1] ?? '';
  }
  assert.ok(address, `server logged its address: ${out}`);
  const ready = await fetch(`${address}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.headers.get('x-served-by'), 'session-proc');
  const created = await fetch(`${address}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":{"a":1}}' });
  assert.equal(created.status, 201);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const line of out.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `JSON log line: ${line}`);

  const bad = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...process.env, SESSION_REPLICAS: 'two' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  bad.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((r) => bad.once('exit', (c) => r(c)));
  assert.equal(code, 78);
  assert.match(err, /SESSION_REPLICAS="two" is invalid/);
});
