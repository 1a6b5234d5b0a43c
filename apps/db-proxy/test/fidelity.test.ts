// Protocol fidelity (issue 21): MariaDB extended capabilities (JSON typed by extended metadata),
// connection ids, KILL / KILL QUERY through either proxy of a pair, compared with MariaDB directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mysql, { type Connection, type FieldPacket, type RowDataPacket } from 'mysql2/promise';
import { queryRows, withAdmin } from '@scaleout/replication';
import { freePort } from '@scaleout/testing';
import { probeGreeting } from '../src/backend/greeting-probe.js';
import { Cap, MariaCap, RELAYABLE_MARIADB_CAPABILITIES } from '../src/protocol/constants.js';
import type { RunningDbProxy } from '../src/index.js';
import { adminFetch, json, run, startProxyStack, until, type ProxyStack } from './helpers.js';

const BLOCK = 1 << 24;
let s: ProxyStack;
let proxy2: RunningDbProxy;
const opened: Connection[] = [];

before(async () => {
  const admin2 = await freePort('127.0.0.1');
  s = await startProxyStack({
    env: { DBPROXY_ID_BLOCK: '1', DBPROXY_PEERS: `2=http://127.0.0.1:${admin2}`, DBPROXY_USERS: 'app:app,other:other' },
  });
  proxy2 = await s.startProxy({ DBPROXY_ID_BLOCK: '2', DBPROXY_ADMIN_PORT: String(admin2), DBPROXY_PEERS: `1=${s.adminUrl}` });
  const c = await s.connect();
  await c.query('CREATE TABLE jt (id INT PRIMARY KEY, j JSON)');
  await c.execute('INSERT INTO jt VALUES (?, ?)', [1, JSON.stringify({ a: 1, b: [true, null] })]);
  await c.query('INSERT INTO jt VALUES (?, ?)', [2, JSON.stringify({ s: 'x' })]);
  c.destroy();
  await s.pair.waitCaughtUp();
});

after(async () => {
  for (const c of opened) c.destroy();
  await s?.close();
});

type Where = 'direct' | 'proxy1' | 'proxy2';
async function open(where: Where, user = 'app'): Promise<Connection> {
  const port = where === 'direct' ? s.pair.a.port : where === 'proxy1' ? s.port : proxy2.port;
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user, password: user, database: 'shop' });
  c.on('error', () => {}); // a killed connection
  opened.push(c);
  return c;
}

async function one<T>(c: Connection, sql: string, binary = false): Promise<T> {
  const [rows] = binary ? await c.execute<RowDataPacket[]>(sql) : await c.query<RowDataPacket[]>(sql);
  return rows[0] as T;
}

const fieldInfo = (fields: FieldPacket[]) => fields.map((f) => ({ name: f.name, type: f.type, columnType: f.columnType, flags: f.flags, length: f.columnLength }));

test('the greeting offers the MariaDB extended capabilities every backend offers and the proxy can relay', async () => {
  const [a, b, p1, p2] = await Promise.all(
    [s.pair.a.port, s.pair.b.port, s.port, proxy2.port].map((port) => probeGreeting({ name: String(port), host: '127.0.0.1', port }, 2000)),
  );
  assert.equal(a!.capabilities & Cap.LONG_PASSWORD, 0, 'MariaDB leaves CLIENT_MYSQL unset');
  assert.equal(a!.extCapabilities, b!.extCapabilities);
  assert.ok(a!.extCapabilities & MariaCap.EXTENDED_METADATA, `backend offers extended metadata (0x${a!.extCapabilities.toString(16)})`);
  for (const p of [p1!, p2!]) {
    assert.equal(p.capabilities & Cap.LONG_PASSWORD, 0, 'the proxy leaves CLIENT_MYSQL unset too');
    assert.equal(p.extCapabilities, a!.extCapabilities & RELAYABLE_MARIADB_CAPABILITIES);
    assert.ok(p.extCapabilities & MariaCap.EXTENDED_METADATA);
    assert.equal(p.extCapabilities & (MariaCap.CACHE_METADATA | MariaCap.STMT_BULK_OPERATIONS), 0, 'flags it cannot relay are not claimed');
  }
});

test('JSON columns arrive typed alike through the proxy and directly (text and binary protocol, mysql2 and the CLI)', async () => {
  const conversation = async (c: Connection) => {
    const out: unknown[] = [];
    for (const binary of [false, true]) {
      const [r1, f1] = binary ? await c.execute<RowDataPacket[]>("SELECT json_object('a', 1) AS j") : await c.query<RowDataPacket[]>("SELECT json_object('a', 1) AS j");
      const [r2, f2] = binary ? await c.execute<RowDataPacket[]>('SELECT id, j FROM jt ORDER BY id') : await c.query<RowDataPacket[]>('SELECT id, j FROM jt ORDER BY id');
      out.push(r1, fieldInfo(f1), r2, fieldInfo(f2));
    }
    // prepared-statement metadata, and a JSON parameter typecast on the server
    const [r3] = await c.execute<RowDataPacket[]>('SELECT JSON_VALUE(?, "$.k") AS v, json_array(?) AS arr', [JSON.stringify({ k: 'v' }), 5]);
    out.push(r3);
    return out;
  };
  const direct = await conversation(await open('direct'));
  assert.deepEqual(direct[0], [{ j: { a: 1 } }], 'mysql2 reads MariaDB JSON as an object');
  for (const where of ['proxy1', 'proxy2'] as const) assert.deepEqual(await conversation(await open(where)), direct, where);

  const cli = (port: number) =>
    run('mariadb', ['-h', '127.0.0.1', '-P', String(port), '-uapp', '-papp', '--column-type-info', '--table', 'shop', '-e', "SELECT j FROM jt WHERE id = 1; SELECT json_object('a', 1) AS o"]);
  const viaCli = await cli(s.port);
  const directCli = await cli(s.pair.a.port);
  assert.equal(viaCli.code, 0, viaCli.stderr);
  assert.equal(viaCli.stdout, directCli.stdout);
  assert.match(viaCli.stdout, /Type:\s+BLOB \(format=json\)/, 'the CLI sees the JSON format in the extended metadata');
});

test('CONNECTION_ID() is the handshake id, stable for the session and distinct per connection', async () => {
  const c1 = await open('proxy1');
  const c2 = await open('proxy1');
  const c3 = await open('proxy2');
  const id = c1.threadId!;
  assert.ok(id > BLOCK && id < 2 * BLOCK, `proxy1 ids are in block 1 (${id})`);
  assert.ok(c3.threadId! > 2 * BLOCK && c3.threadId! < 3 * BLOCK, `proxy2 ids are in block 2 (${c3.threadId})`);
  assert.notEqual(c2.threadId, id);
  const seen = new Set<number>();
  const look = async () => {
    seen.add(Number((await one<{ 'CONNECTION_ID()': number }>(c1, 'SELECT CONNECTION_ID()'))['CONNECTION_ID()']));
    seen.add(Number((await one<{ id: number }>(c1, 'select connection_id() as id')).id));
    seen.add(Number((await one<{ id: number }>(c1, 'SELECT CONNECTION_ID() id', true)).id));
  };
  await look();
  await c1.query('INSERT INTO jt VALUES (100, NULL)');
  await look();
  await c1.query('BEGIN');
  await c1.query('DELETE FROM jt WHERE id = 100');
  await look();
  await c1.query('COMMIT');
  for (let i = 0; i < 5; i++) await look(); // reads spread over both servers
  assert.deepEqual([...seen], [id]);
  assert.equal(Number((await one<{ id: number }>(c2, 'SELECT CONNECTION_ID() AS id')).id), c2.threadId);
  assert.equal(Number((await one<{ id: number }>(c3, 'SELECT CONNECTION_ID() AS id', true)).id), c3.threadId);
  // the column looks like the server's own
  const d = await open('direct');
  assert.equal(Number((await one<{ id: number }>(d, 'SELECT CONNECTION_ID() AS id')).id), d.threadId);
  for (const binary of [false, true]) {
    const [, fd] = binary ? await d.execute('SELECT CONNECTION_ID() AS id') : await d.query('SELECT CONNECTION_ID() AS id');
    const [, fp] = binary ? await c1.execute('SELECT CONNECTION_ID() AS id') : await c1.query('SELECT CONNECTION_ID() AS id');
    assert.deepEqual(fieldInfo(fp as FieldPacket[]), fieldInfo(fd as FieldPacket[]));
  }
});

/** Where a statement's backend thread runs (0 when none). */
async function sleepers(): Promise<number> {
  let n = 0;
  for (const server of [s.pair.a, s.pair.b]) {
    n += (await withAdmin(server.root, (a) => queryRows(a, "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(30)'"))).length;
  }
  return n;
}

/** Runs SELECT SLEEP(30) on `victim`, kills it with `kill` once it runs, returns its error and how long it took. */
async function killedSleep(victim: Connection, kill: (id: number) => Promise<void>): Promise<{ errno: number | string | undefined; ms: number }> {
  const started = Date.now();
  const sleeping = victim.query('SELECT SLEEP(30)').then(
    () => ({ errno: undefined as number | string | undefined, ms: Date.now() - started }),
    (err: { errno?: number; code?: string }) => ({ errno: err.errno ?? err.code, ms: Date.now() - started }),
  );
  await until('SLEEP(30) runs on a server', async () => (await sleepers()) > 0);
  await kill(victim.threadId!);
  return sleeping;
}

const killWith = (killer: Connection, form: 'QUERY' | 'CONNECTION' | '') => async (id: number) => {
  await killer.query(`KILL ${form} ${id}`);
};

test('KILL QUERY ends a running SELECT SLEEP(30) with the kill error, through either proxy, as directly', async (t) => {
  const direct = await killedSleep(await open('direct'), killWith(await open('direct'), 'QUERY'));
  assert.equal(direct.errno, 1317, 'MariaDB: ER_QUERY_INTERRUPTED');
  const cases: [string, Where, Where, ((c: Connection) => Promise<void>) | undefined][] = [
    ['same proxy', 'proxy1', 'proxy1', undefined],
    ['killer on the other proxy', 'proxy1', 'proxy2', undefined],
    ['victim on the other proxy', 'proxy2', 'proxy1', undefined],
    ['victim inside a transaction (writer)', 'proxy1', 'proxy2', async (c) => void (await c.query('BEGIN'))],
    ['victim pinned (temporary table)', 'proxy2', 'proxy2', async (c) => void (await c.query('CREATE TEMPORARY TABLE pin (a INT)'))],
  ];
  for (const [name, victimAt, killerAt, prepare] of cases) {
    const victim = await open(victimAt);
    await prepare?.(victim);
    const r = await killedSleep(victim, killWith(await open(killerAt), 'QUERY'));
    t.diagnostic(`${name}: errno ${r.errno} after ${r.ms} ms (direct: ${direct.ms} ms)`);
    assert.equal(r.errno, direct.errno, name);
    assert.ok(r.ms < 10_000, `${name}: ended long before 30 s`);
    // the session goes on, with the same id
    assert.equal(Number((await one<{ id: number }>(victim, 'SELECT CONNECTION_ID() AS id')).id), victim.threadId);
    await victim.query('SELECT 1');
    await until('no sleeper left', async () => (await sleepers()) === 0);
  }
  // the mysql CLI as the killer
  const victim = await open('proxy2');
  const r = await killedSleep(victim, async (id) => {
    const out = await run('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-uapp', '-papp', '-e', `KILL QUERY ${id}`]);
    assert.equal(out.code, 0, out.stderr);
  });
  assert.equal(r.errno, 1317);
});

test('KILL <id> closes that client session (idle or running); unknown ids and other users get MariaDB errors', async () => {
  // running: the statement ends with the kill error, then the connection is gone
  const directRun = await killedSleep(await open('direct'), killWith(await open('direct'), 'CONNECTION'));
  assert.equal(directRun.errno, 'PROTOCOL_CONNECTION_LOST', 'MariaDB closes the connection without an error packet');
  for (const [victimAt, killerAt] of [
    ['proxy1', 'proxy1'],
    ['proxy2', 'proxy1'],
  ] as const) {
    const victim = await open(victimAt);
    const r = await killedSleep(victim, killWith(await open(killerAt), 'CONNECTION'));
    assert.equal(r.errno, directRun.errno, `${victimAt} killed from ${killerAt}`);
    assert.ok(r.ms < 10_000);
    await assert.rejects(victim.query('SELECT 1'));
    await until('the backend statement is gone', async () => (await sleepers()) === 0);
  }
  // idle
  for (const [victimAt, killerAt] of [
    ['direct', 'direct'],
    ['proxy1', 'proxy1'],
    ['proxy1', 'proxy2'],
  ] as const) {
    const victim = await open(victimAt);
    await (await open(killerAt)).query(`KILL ${victim.threadId}`);
    await assert.rejects(victim.query('SELECT 1'), `${victimAt}: the killed session is closed`);
  }
  const proxied = await open('proxy1');
  const admin = await adminFetch(s, '/api/sessions');
  assert.equal(admin.status, 200);
  assert.ok((await json<{ clients: number }>(admin)).clients >= 1);
  // unknown ids: the same error as MariaDB's
  const d = await open('direct');
  const err = async (c: Connection, sql: string) => c.query(sql).then(() => undefined, (e: { errno?: number; sqlMessage?: string }) => ({ errno: e.errno, message: e.sqlMessage }));
  assert.deepEqual(await err(proxied, 'KILL 4242'), await err(d, 'KILL 4242'));
  assert.deepEqual(await err(proxied, `KILL QUERY ${3 * BLOCK + 5}`), { errno: 1094, message: `Unknown thread id: ${3 * BLOCK + 5}` });
  // another user may not kill it (MariaDB without CONNECTION ADMIN)
  const other = await open('proxy1', 'other');
  assert.deepEqual(await err(other, `KILL ${proxied.threadId}`), { errno: 1095, message: `You are not owner of thread ${proxied.threadId}` });
  await proxied.query('SELECT 1');
  assert.ok((await s.metric('scaleout_db_proxy_kills_total', { scope: 'connection', result: 'denied' })) >= 1);
  assert.ok((await s.metric('scaleout_db_proxy_kills_total', { scope: 'query', result: 'unknown' })) >= 1);
  // forms that would act on backend threads are refused
  assert.equal((await err(proxied, 'KILL USER app'))?.errno, 1235);
  const prepared = await proxied.execute('KILL ?', [4242]).then(() => undefined, (e: { errno?: number }) => e.errno);
  assert.equal(prepared, 1235, 'a prepared KILL is refused');
  await proxied.query('SELECT 1');
});

test('KILL QUERY reaches the statement after the session moved to another writer (switchover)', async () => {
  const victim = await open('proxy1');
  await victim.query('SELECT 1');
  const r = await adminFetch(s, '/api/switchover', { method: 'POST', body: JSON.stringify({ to: 'db2' }) });
  assert.equal(r.status, 200, await r.clone().text());
  await until('proxy2 sees db2 as the writer', async () => (await json<{ writer: string }>(await fetch(`http://${proxy2.admin.address}/api/writer`, { headers: { authorization: 'Bearer test-admin-token' } }))).writer === 'db2');
  await victim.query('BEGIN');
  await victim.query('INSERT INTO jt VALUES (200, NULL)');
  const killed = await killedSleep(victim, killWith(await open('proxy2'), 'QUERY'));
  assert.equal(killed.errno, 1317);
  assert.ok(killed.ms < 10_000);
  await victim.query('ROLLBACK');
  assert.equal(Number((await one<{ id: number }>(victim, 'SELECT CONNECTION_ID() AS id')).id), victim.threadId);
});
