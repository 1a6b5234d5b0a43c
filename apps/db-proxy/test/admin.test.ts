// Admin HTTP: token, backends, writer, health, metrics, X-Served-By; optional TLS for clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { adminFetch, json, run, startProxyStack, until } from './helpers.js';

interface Backend {
  name: string;
  role: string;
  state: string;
  readOnly: boolean | null;
  replicating: boolean;
  lagSeconds: number | null;
  gtid: { binlog: string };
  semiSync: { masterEnabled: boolean } | null;
  replication: { io: string } | null;
}
type Body = { code: string; message: string } & Record<string, unknown>;

test('admin API: bearer token, backends, writer, actions, health and metrics', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  const noToken = await fetch(`${s.adminUrl}/api/backends`);
  assert.equal(noToken.status, 401);
  assert.equal((await json<Body>(noToken)).code, 'DBPROXY_ERR_UNAUTHORIZED');
  assert.equal(noToken.headers.get('x-served-by'), 'proxy-test');
  const wrong = await fetch(`${s.adminUrl}/api/writer`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);

  await until('reader fenced', () => s.proxy.proxy.controller.view('db2')?.probe?.readOnly === true);
  const b = await adminFetch(s, '/api/backends');
  assert.equal(b.status, 200);
  assert.equal(b.headers.get('x-served-by'), 'proxy-test');
  const body = await json<{ writer: string; backends: Backend[] }>(b);
  assert.equal(body.writer, 'db1');
  assert.equal(body.backends.length, 2);
  const [db1, db2] = body.backends as [Backend, Backend];
  assert.equal(db1.role, 'writer');
  assert.equal(db1.state, 'up');
  assert.equal(db1.readOnly, false);
  assert.equal(db2.role, 'reader');
  assert.equal(db2.readOnly, true, 'the reader was fenced when the proxy started');
  assert.equal(db2.replicating, true);
  assert.equal(typeof db2.lagSeconds, 'number');
  assert.equal(db1.semiSync?.masterEnabled, true);
  assert.equal(db2.replication?.io, 'Yes');

  const w = await json<{ writer: string; writesHeld: boolean }>(await adminFetch(s, '/api/writer'));
  assert.deepEqual({ writer: w.writer, writesHeld: w.writesHeld }, { writer: 'db1', writesHeld: false });
  const actions = await json<{ actions: { kind: string; ok: boolean }[] }>(await adminFetch(s, '/api/actions'));
  assert.ok(actions.actions.some((a) => a.kind === 'fence' && a.ok));

  const bad = await adminFetch(s, '/api/switchover', { method: 'POST', body: JSON.stringify({ to: 'db1' }) });
  assert.equal(bad.status, 409);
  assert.match((await json<Body>(bad)).message, /REPL_ERR_ALREADY_WRITER/);
  const unknown = await adminFetch(s, '/api/switchover', { method: 'POST', body: JSON.stringify({ to: 'db9' }) });
  assert.equal(unknown.status, 409);
  const invalid = await adminFetch(s, '/api/switchover', { method: 'POST', body: JSON.stringify({ to: '' }) });
  assert.equal(invalid.status, 400);

  assert.equal((await fetch(`${s.adminUrl}/healthz`)).status, 200);
  const ready = await fetch(`${s.adminUrl}/readyz`);
  assert.equal(ready.status, 200);

  const c = await s.connect();
  for (let i = 0; i < 20; i++) await c.query('SELECT 1');
  await c.query('CREATE TABLE m (a INT)');
  const sessions = await json<{ clients: number }>(await adminFetch(s, '/api/sessions'));
  assert.equal(sessions.clients, 1);
  c.destroy();
  await until('GTID shown', async () => /^\d+-\d+-\d+/.test((await json<{ backends: Backend[] }>(await adminFetch(s, '/api/backends'))).backends[1]!.gtid.binlog));
  const metrics = await (await fetch(`${s.adminUrl}/metrics`)).text();
  for (const name of [
    'scaleout_db_proxy_queries_total{route="reader",server="db2"}',
    'scaleout_db_proxy_queries_total{route="writer",server="db1"}',
    'scaleout_db_proxy_query_duration_seconds_bucket',
    'scaleout_db_proxy_client_connections ',
    'scaleout_db_proxy_backend_connections{server="db1",state="idle"}',
    'scaleout_db_proxy_backend_up{server="db2"} 1',
    'scaleout_db_proxy_backend_writer{server="db1"} 1',
    'scaleout_db_proxy_replication_lag_seconds{server="db2"}',
    'scaleout_db_proxy_failover_events_total{kind="fence",result="ok"}',
    'scaleout_db_proxy_semi_sync_active',
  ]) {
    assert.ok(metrics.includes(name), `missing ${name}`);
  }
  await until('sessions gone', async () => (await s.metric('scaleout_db_proxy_client_connections')) === 0);
});

test('TLS for clients (DBPROXY_TLS_CERT/KEY): mysql2 and the CLI connect encrypted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dbproxy-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const s = await startProxyStack({ env: { DBPROXY_TLS_CERT: cert, DBPROXY_TLS_KEY: key } });
  t.after(() => s.close());
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: s.port,
    user: 'app',
    password: 'app',
    database: 'shop',
    ssl: { ca: readFileSync(cert), rejectUnauthorized: false },
  });
  const stream = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
  assert.equal(stream.encrypted, true);
  const [r] = await c.query<RowDataPacket[]>('SELECT 1 + 1 AS two');
  assert.equal(r[0]!.two, 2);
  const [x] = await c.execute<RowDataPacket[]>('SELECT ? AS v', ['tls']);
  assert.equal(x[0]!.v, 'tls');
  c.destroy();
  const cli = await run('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-uapp', '-papp', '--ssl', '--skip-ssl-verify-server-cert', 'shop', '-e', 'status']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /SSL:\s+Cipher in use is/);
  // clients that do not ask for TLS still work
  const plain = await s.connect();
  await plain.query('SELECT 1');
  plain.destroy();
});
