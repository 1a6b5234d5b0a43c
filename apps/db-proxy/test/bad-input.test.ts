// Wrong passwords, malformed and oversized packets, a 17 MB packet, backends dying or freezing mid-query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { queryRows, withAdmin } from '@scaleout/replication';
import { run, startProxyStack, until } from './helpers.js';
import { RawClient } from './raw-client.js';

const SEVENTEEN_MB = 17 * 1024 * 1024;

test('wrong password and unknown user get an access-denied ERR packet', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  await assert.rejects(s.connect({ password: 'wrong' }), (e: { errno?: number; sqlState?: string; message: string }) => {
    assert.equal(e.errno, 1045);
    assert.equal(e.sqlState, '28000');
    assert.match(e.message, /Access denied for user 'app'@'127\.0\.0\.1' \(using password: YES\)/);
    return true;
  });
  await assert.rejects(s.connect({ user: 'nobody', password: '' }), /Access denied for user 'nobody'.*using password: NO/);
  const cli = await run('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-uapp', '-pnope', 'shop', '-e', 'SELECT 1']);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /ERROR 1045 \(28000\): Access denied for user 'app'/);
  const { client, reply } = await RawClient.login(s.port, 'bad');
  assert.equal(reply.payload[0], 0xff);
  assert.equal(reply.seq, 2, 'the ERR follows the handshake response');
  await client.closed;
  assert.ok((await s.metric('scaleout_db_proxy_client_connections_total', { result: 'auth_failed' })) >= 4);
  // an unknown database in the handshake is refused like the server does
  await assert.rejects(s.connect({ database: 'nope' }), (e: { errno?: number }) => e.errno === 1044 || e.errno === 1049);
});

test('malformed packets close that connection with an error; other clients are unaffected', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  const bystander = await s.connect();
  t.after(() => bystander.destroy());
  const alive = async () => {
    const [r] = await bystander.query<RowDataPacket[]>('SELECT 1 AS one');
    assert.equal(r[0]!.one, 1);
  };

  // garbage instead of a handshake response
  let c = await RawClient.open(s.port);
  await c.next(); // greeting
  c.write(Buffer.from([5, 0, 0, 1, 1, 2, 3, 4, 5]));
  let err = await c.nextError();
  assert.equal(err?.code, 1043);
  await c.closed;
  await alive();

  // a command packet with a wrong sequence id
  ({ client: c } = await RawClient.login(s.port));
  c.send(Buffer.from('\x03SELECT 1'), 7);
  err = await c.nextError();
  assert.equal(err?.code, 1156);
  await c.closed;
  await alive();

  // an empty command packet
  ({ client: c } = await RawClient.login(s.port));
  c.write(Buffer.from([0, 0, 0, 0]));
  err = await c.nextError();
  assert.equal(err?.code, 1835);
  await c.closed;
  await alive();

  // a truncated COM_STMT_EXECUTE and an unknown statement id: errors, the connection stays usable
  ({ client: c } = await RawClient.login(s.port));
  c.send(Buffer.from([0x17, 1, 0]));
  assert.equal((await c.nextError())?.code, 1835);
  c.send(Buffer.from([0x17, 0x39, 0x05, 0, 0, 0, 1, 0, 0, 0]));
  assert.equal((await c.nextError())?.code, 1243);
  c.send(Buffer.from([0x42]));
  assert.equal((await c.nextError())?.code, 1047, 'unknown command');
  c.send(Buffer.from('\x03SELECT 7'));
  const ok = await c.next();
  assert.equal(ok?.payload[0], 1, 'a result set with one column');
  c.destroy();

  // a header announcing more than DBPROXY_MAX_PACKET: refused before the bytes arrive
  const tiny = await s.startProxy({ DBPROXY_MAX_PACKET: '1024' });
  ({ client: c } = await RawClient.login(tiny.port));
  c.write(Buffer.from([0xd0, 0x07, 0x00, 0x00, 0x03])); // 2000 bytes announced, 1 sent
  err = await c.nextError();
  assert.equal(err?.code, 1153);
  assert.match(err?.message ?? '', /max_allowed_packet/);
  await c.closed;
  await alive();
  assert.ok((await s.metric('scaleout_db_proxy_errors_total', { type: 'packet_too_large' }, tiny)) >= 1);
  assert.ok((await s.metric('scaleout_db_proxy_errors_total', { type: 'protocol' })) >= 3);
});

test('a 17 MB packet: relayed (two packets) under the default limit; ERR 1153 and close above DBPROXY_MAX_PACKET', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  const c = await s.connect();
  t.after(() => c.destroy());
  const big = 'x'.repeat(SEVENTEEN_MB);
  const [r] = await c.query<RowDataPacket[]>('SELECT LENGTH(?) AS n', [big]);
  assert.equal(Number(r[0]!.n), SEVENTEEN_MB);
  const [r2] = await c.query<RowDataPacket[]>('SELECT REPEAT("y", ?) AS s', [SEVENTEEN_MB]);
  assert.equal((r2[0]!.s as string).length, SEVENTEEN_MB, 'a 17 MB row comes back whole');
  const [r3] = await c.execute<RowDataPacket[]>('SELECT LENGTH(?) AS n', [big]);
  assert.equal(Number(r3[0]!.n), SEVENTEEN_MB, 'as a prepared-statement parameter too');

  const small = await s.startProxy({ DBPROXY_MAX_PACKET: String(16 * 1024 * 1024) });
  const opts = { host: '127.0.0.1', port: small.port, user: 'app', password: 'app', database: 'shop' };
  const victim = await mysql.createConnection(opts);
  const other = await mysql.createConnection(opts);
  t.after(() => other.destroy());
  await assert.rejects(victim.query('SELECT LENGTH(?) AS n', [big]), (e: { errno?: number; code?: string; message: string }) => {
    assert.equal(e.errno, 1153, e.message);
    return true;
  });
  await until('victim closed', () => (victim as unknown as { connection: { _closing?: boolean; _fatalError?: unknown } }).connection._fatalError !== undefined || (victim as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream.destroyed);
  const [o] = await other.query<RowDataPacket[]>('SELECT 2 AS two');
  assert.equal(o[0]!.two, 2, 'other clients are unaffected');
  victim.destroy();
});

test('a backend that dies or freezes mid-query: an error or a transparent retry, never a hung client', async (t) => {
  const s = await startProxyStack({ env: { DBPROXY_WRITER_READ_WEIGHT: '0', DBPROXY_MONITOR_INTERVAL: '100ms' } });
  t.after(() => s.close());
  const c = await s.connect();
  t.after(() => c.destroy());

  // the backend connection is killed on the server side mid-query: the call settles, the session goes on
  const [idRow] = await c.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id, @@server_id AS sid');
  const backendId = Number(idRow[0]!.id);
  const server = Number(idRow[0]!.sid) === 1 ? s.pair.a : s.pair.b;
  const sleeping = c.query('SELECT SLEEP(20) AS z').then(
    () => 'answered',
    (e: { errno?: number }) => `error ${e.errno}`,
  );
  await until('query running', async () =>
    withAdmin(server.root, async (a) => (await queryRows(a, 'SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE "SELECT SLEEP%"', [backendId])).length === 1),
  );
  await withAdmin(server.root, (a) => a.query('KILL CONNECTION ?', [backendId]));
  t.diagnostic(`killed query: ${await sleeping}`);
  const [again] = await c.query<RowDataPacket[]>('SELECT 5 AS five, CONNECTION_ID() AS id');
  assert.equal(again[0]!.five, 5);
  assert.notEqual(Number(again[0]!.id), backendId, 'a new backend connection');

  // the reader freezes (SIGSTOP) during a read: once the monitor marks it down the read is answered by the writer
  const [sid] = await c.query<RowDataPacket[]>('SELECT @@server_id AS sid');
  assert.equal(Number(sid[0]!.sid), 2, 'reads go to the reader (writer read weight 0)');
  let started = Date.now();
  s.pair.b.kill('SIGSTOP');
  t.after(() => s.pair.b.kill('SIGCONT'));
  // signals are asynchronous: make sure it is really stopped before sending the read
  await until('db2 stopped', () => readFileSync(`/proc/${s.pair.b.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'));
  const [frozen] = await c.query<RowDataPacket[]>('SELECT @@server_id AS sid, 42 AS answer');
  assert.equal(frozen[0]!.answer, 42);
  assert.equal(Number(frozen[0]!.sid), 1, 'answered by the writer');
  t.diagnostic(`read answered ${Date.now() - started} ms after the reader froze`);
  s.pair.b.kill('SIGCONT');
  await until('reader back', () => s.proxy.proxy.controller.view('db2')?.health === 'up', 20_000);
  await until('reads on the reader again', async () => Number((await c.query<RowDataPacket[]>('SELECT @@server_id AS sid'))[0][0]!.sid) === 2, 20_000);

  // the reader dies (kill -9) while a read runs there: nothing was sent to the client, the read is re-sent to the writer
  started = Date.now();
  const pending = c.query<RowDataPacket[]>('SELECT SLEEP(1) AS z, @@server_id AS sid');
  await until('read running on db2', async () =>
    withAdmin(s.pair.b.root, async (a) => (await queryRows(a, 'SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE "SELECT SLEEP(1)%"')).length === 1),
  );
  s.pair.b.kill('SIGKILL');
  const [retried] = await pending;
  assert.equal(Number(retried[0]!.sid), 1, 'transparently retried on the writer');
  assert.ok((await s.metric('scaleout_db_proxy_retries_total', { reason: 'lost' })) >= 2);
});
