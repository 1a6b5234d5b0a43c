import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, request, SERVER_SCRIPT, startBackend, startLb, until } from './helpers.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface LbProcess {
  child: ChildProcess;
  exit: Promise<number | null>;
  output: () => string;
}

function spawnLb(env: Record<string, string>): LbProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT], { env: { ...process.env, NODE_ENV: 'development', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, exit, output: () => out };
}

test('the admin API rejects requests without the right token; health and metrics stay open', async (t) => {
  const b = await startBackend('a1');
  t.after(() => b.kill());
  const lb = await startLb({ LB_SERVERS: `a1=${b.address}` });
  t.after(() => lb.close());
  const none = await admin(lb.adminPort, 'GET', '/api/pools', undefined, '');
  assert.equal(none.status, 401);
  assert.equal(JSON.parse(none.body).code, 'LB_ERR_UNAUTHORIZED');
  assert.equal((await admin(lb.adminPort, 'GET', '/api/pools', undefined, 'wrong-token')).status, 401);
  assert.equal((await admin(lb.adminPort, 'PUT', '/api/pools/web/servers/a1/state', { state: 'maint' }, '')).status, 401);
  assert.equal(lb.lb.pools.get('web')!.get('a1')!.adminState, 'ready', 'nothing changed');
  const ok = await admin(lb.adminPort, 'GET', '/api/pools');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-served-by'], 'lb-test');
  assert.equal(JSON.parse(ok.body).pools[0].servers[0].name, 'a1');
  assert.equal((await admin(lb.adminPort, 'GET', '/api/pools/nope')).status, 404);
  assert.equal((await admin(lb.adminPort, 'PUT', '/api/pools/web/servers/a1/state', { state: 'sideways' })).status, 400);
  assert.equal((await admin(lb.adminPort, 'POST', '/api/pools/web/servers', { address: b.address })).status, 409);
  assert.equal((await request({ port: lb.adminPort, path: '/healthz' })).status, 200);
  assert.equal((await request({ port: lb.adminPort, path: '/readyz' })).status, 200);
  assert.equal((await request({ port: lb.adminPort, path: '/metrics' })).status, 200);
  // readiness follows the servers: none usable → 503
  await admin(lb.adminPort, 'PUT', '/api/pools/web/servers/a1/state', { state: 'maint' });
  assert.equal((await request({ port: lb.adminPort, path: '/readyz' })).status, 503);
});

test('admin changes survive a restart; SIGTERM finishes in-flight requests with Connection: close and exits 0', async (t) => {
  const [b1, b2, b3] = await Promise.all([startBackend('w1'), startBackend('w2'), startBackend('w3')]);
  t.after(() => Promise.all([b1.kill(), b2.kill(), b3.kill()]));
  const dir = mkdtempSync(join(tmpdir(), 'lb-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'lb-state.json');
  const [http, adminPort] = [await freePort(), await freePort()];
  const env = {
    LB_INSTANCE: 'lbp',
    LB_HTTP_PORT: String(http),
    LB_HTTPS: 'false',
    LB_ADMIN_PORT: String(adminPort),
    LB_SERVERS: `w1=${b1.address},w2=${b2.address}`,
    LB_STICKY: 'false',
    LB_CHECK_PATH: 'none',
    LB_STATE_FILE: stateFile,
    LB_GRACE: '5s',
    SCALEOUT_ADMIN_TOKEN: 'persist-token',
  };
  const first = spawnLb(env);
  await until('first LB ready', async () => (await request({ port: adminPort, path: '/readyz' }).catch(() => ({ status: 0 }))).status === 200, 30_000);
  const call = (method: string, path: string, body?: unknown) => admin(adminPort, method, path, body, 'persist-token');
  assert.equal((await call('PUT', '/api/pools/web/servers/w1/state', { state: 'drain' })).status, 200);
  assert.equal((await call('PUT', '/api/pools/web/servers/w2/weight', { weight: 7 })).status, 200);
  assert.equal((await call('POST', '/api/pools/web/servers', { name: 'w3', address: b3.address, weight: 2 })).status, 201);
  assert.equal((await call('DELETE', '/api/pools/web/servers/w2')).status, 204);
  assert.equal((await call('POST', '/api/pools/web/servers', { name: 'w2', address: b2.address })).status, 201);
  assert.equal((await call('PUT', '/api/pools/web/servers/w2/weight', { weight: 7 })).status, 200);
  assert.ok(JSON.parse(readFileSync(stateFile, 'utf8')).pools.web, 'state file written');

  // an in-flight request when SIGTERM arrives is answered, with Connection: close
  const inflight = request({ port: http, path: '/slow?ms=800' });
  await until('request in flight', async () => JSON.parse((await call('GET', '/api/pools/web')).body).servers.some((s: { inflight: number }) => s.inflight > 0), 5000);
  first.child.kill('SIGTERM');
  const answered = await inflight;
  assert.equal(answered.status, 200);
  assert.equal(answered.headers.connection, 'close');
  assert.equal(await first.exit, 0, first.output());
  assert.match(first.output(), /"msg":"stopped"/);

  const second = spawnLb(env);
  t.after(() => second.child.kill('SIGKILL'));
  await until('second LB ready', async () => (await request({ port: adminPort, path: '/readyz' }).catch(() => ({ status: 0 }))).status === 200, 30_000);
  const pool = JSON.parse((await call('GET', '/api/pools/web')).body) as { servers: Array<{ name: string; adminState: string; weight: number; source: string }> };
  const byName = Object.fromEntries(pool.servers.map((s) => [s.name, s]));
  assert.equal(byName.w1!.adminState, 'drain');
  assert.equal(byName.w2!.weight, 7);
  assert.equal(byName.w3!.weight, 2);
  assert.equal(pool.servers.length, 3);
  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
});
