// mysql CLI and mysql2 through the proxy behave as against MariaDB directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql, { type Connection } from 'mysql2/promise';
import { run, startProxyStack, until, type ProxyStack } from './helpers.js';

const CLI_SCRIPT = `
SELECT COUNT(*) AS n FROM items;
SELECT name, qty FROM items ORDER BY id;
SET @x = 41;
SELECT @x + 1 AS answer;
SET NAMES latin1;
SELECT @@character_set_client AS cs, @x AS x;
SET NAMES utf8mb4;
CREATE TEMPORARY TABLE tmp (a INT);
INSERT INTO tmp VALUES (1),(2),(3);
SELECT SUM(a) AS total FROM tmp;
START TRANSACTION;
INSERT INTO items (name, qty) VALUES ('cli', 1);
SELECT name FROM items WHERE name = 'cli';
ROLLBACK;
SELECT COUNT(*) AS after_rollback FROM items WHERE name = 'cli';
USE shop;
SELECT DATABASE() AS db;
DELIMITER //
SELECT 1 AS a; SELECT 2 AS b //
DELIMITER ;
PREPARE s FROM 'SELECT qty FROM items WHERE name = ?';
SET @n = 'pear';
EXECUTE s USING @n;
DEALLOCATE PREPARE s;
SELECT 1/0 AS div0;
SHOW WARNINGS;
SELECT nope FROM items;
`;

async function seed(s: ProxyStack): Promise<void> {
  const c = await s.connect();
  await c.query('CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), qty INT, price DECIMAL(10,2), added DATE, data BLOB)');
  await c.query(
    "INSERT INTO items (name, qty, price, added, data) VALUES ('apple', 3, 1.50, '2024-01-02', x'00ff'), ('pear', 7, 0.99, NULL, NULL), ('plum', 0, 12.00, '2023-12-31', 'abc')",
  );
  c.destroy();
  await s.pair.waitCaughtUp();
}

function cli(port: number, extra: string[] = []) {
  return run('mariadb', ['-h', '127.0.0.1', '-P', String(port), '-uapp', '-papp', '--force', '--table', '--show-warnings', 'shop', ...extra], {
    input: CLI_SCRIPT,
  });
}

/** The same conversation with any connection; returns everything observable. */
async function scenario(c: Connection): Promise<unknown[]> {
  const out: unknown[] = [];
  const q = async (sql: string, params?: unknown[]) => {
    try {
      const [rows] = await c.query(sql, params);
      out.push(rows);
    } catch (err) {
      const e = err as { errno?: number; sqlState?: string; sqlMessage?: string };
      out.push({ errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage });
    }
  };
  const x = async (sql: string, params: (string | number | null | Date | Buffer)[]) => {
    try {
      const [rows] = await c.execute(sql, params);
      out.push(rows);
    } catch (err) {
      const e = err as { errno?: number; sqlMessage?: string };
      out.push({ errno: e.errno, message: e.sqlMessage });
    }
  };
  await q('SELECT id, name, qty, price, added, data FROM items ORDER BY id');
  await q('SELECT 1 AS a; SELECT 2 AS b; SELECT name FROM items WHERE qty > ? ORDER BY id', [1]);
  await q('SET @v = 10, @w = "w"');
  await q('SELECT @v * 2 AS v2, @w AS w');
  await q('SET SESSION sql_mode = "STRICT_ALL_TABLES", time_zone = "+02:00"');
  await q('SELECT @@session.sql_mode AS m, @@session.time_zone AS tz');
  await q('CREATE TEMPORARY TABLE t2 (id INT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(10))');
  await q("INSERT INTO t2 (s) VALUES ('a'), ('b')");
  await q('SELECT * FROM t2 ORDER BY id');
  await x('SELECT s FROM t2 WHERE id = ?', [3]);
  await c.beginTransaction();
  await q("UPDATE items SET qty = qty + 100 WHERE name = 'apple'");
  await q("SELECT qty FROM items WHERE name = 'apple'");
  await c.rollback();
  await q("SELECT qty FROM items WHERE name = 'apple'");
  for (let i = 0; i < 5; i++) await x('SELECT name, qty, price, added FROM items WHERE id = ? OR name = ? ORDER BY id', [i * 2 + 1, 'plum']);
  await x('SELECT ? AS i, ? AS s, ? AS n, ? AS d, ? AS b, ? AS f', [42, 'str', null, new Date('2024-05-06T07:08:09Z'), Buffer.from([1, 2, 3]), 1.25]);
  await x('SELECT ? + 1 AS again', [1]);
  await x('SELECT nope FROM items WHERE id = ?', [1]);
  await q('SELECT * FROM no_such_table');
  await q('USE shop');
  await q('SELECT DATABASE() AS db');
  await q('SELECT SQL_CALC_FOUND_ROWS name FROM items ORDER BY id LIMIT 1');
  await q('SELECT FOUND_ROWS() AS found');
  await q('SELECT REPEAT("x", 100000) AS big');
  await q('SELECT seq FROM seq_1_to_5000');
  await c.ping();
  await q('SELECT @v AS v_still_set');
  return out;
}

test('mysql CLI through the proxy prints what it prints against MariaDB', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  await seed(s);
  const direct = await cli(s.pair.a.port);
  const proxied = await cli(s.port);
  assert.equal(proxied.code, direct.code);
  assert.equal(proxied.stdout, direct.stdout);
  assert.equal(proxied.stderr, direct.stderr);
  assert.match(proxied.stdout, /\| answer \|[\s\S]*\| {5}42 \|/);
  assert.match(proxied.stdout, /\| total \|[\s\S]*\| {5}6 \|/);
  assert.match(proxied.stdout, /\| a \|[\s\S]*\| b \|/);
  assert.match(proxied.stderr, /ERROR 1054 \(42S22\) at line \d+: Unknown column 'nope'/);
  // -e with several statements, and the CLI's status command
  const status = await run('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-uapp', '-papp', 'shop', '-e', 'status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Current database:\s+shop/);
});

test('mysql2 through the proxy: queries, multi-statements, transactions, prepared statements, temp tables, variables, USE', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  await seed(s);
  const opts = { host: '127.0.0.1', user: 'app', password: 'app', database: 'shop', multipleStatements: true, timezone: 'Z' as const };
  const direct = await mysql.createConnection({ ...opts, port: s.pair.a.port });
  const proxied = await mysql.createConnection({ ...opts, port: s.port });
  t.after(() => {
    direct.destroy();
    proxied.destroy();
  });
  const want = await scenario(direct);
  const got = await scenario(proxied);
  assert.deepEqual(got, want);
  // a second run on the same connection (statements prepared again, pooled state reused)
  assert.deepEqual(await scenario(proxied), await scenario(direct));

  // plain reads were split over both servers (the session was pinned to the writer only after its temp table)
  const c = await s.connect();
  const ids = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT @@server_id AS id');
    ids.add(Number(rows[0]!.id));
  }
  assert.deepEqual([...ids].sort(), [1, 2], 'reads reach both servers');
  c.destroy();
});

test('session state follows the client across backends; pinned state stays on one backend', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  await seed(s);
  const c = await s.connect();
  t.after(() => c.destroy());
  const one = async <T>(sql: string) => ((await c.query<mysql.RowDataPacket[]>(sql))[0][0] as T);
  await c.query("SET @who = 'me', SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  await c.query('SET NAMES latin1');
  // whichever server answers, the session variables are there
  const servers = new Set<number>();
  for (let i = 0; i < 30; i++) {
    const r = await one<{ sid: number; who: string; mode: string; cs: string }>(
      'SELECT @@server_id AS sid, @who AS who, @@session.sql_mode AS mode, @@character_set_client AS cs',
    );
    servers.add(Number(r.sid));
    assert.equal(r.who, 'me');
    assert.equal(r.mode, 'NO_ENGINE_SUBSTITUTION');
    assert.equal(r.cs, 'latin1');
  }
  assert.equal(servers.size, 2);
  await c.query('SET NAMES utf8mb4');
  // a transaction stays on the writer
  await c.query('START TRANSACTION');
  const inTrx = new Set<number>();
  for (let i = 0; i < 10; i++) inTrx.add(Number((await one<{ sid: number }>('SELECT @@server_id AS sid')).sid));
  await c.query('COMMIT');
  assert.deepEqual([...inTrx], [1]);
  // a read-only transaction may run on a reader and stays there
  await c.query('START TRANSACTION READ ONLY');
  const ro = new Set<number>();
  for (let i = 0; i < 10; i++) ro.add(Number((await one<{ sid: number }>('SELECT @@server_id AS sid')).sid));
  await c.query('COMMIT');
  assert.equal(ro.size, 1);
  // GET_LOCK pins the session to the writer for good
  await c.query("SELECT GET_LOCK('scaleout-test', 1)");
  const pinned = new Set<number>();
  for (let i = 0; i < 10; i++) pinned.add(Number((await one<{ sid: number }>('SELECT @@server_id AS sid')).sid));
  assert.deepEqual([...pinned], [1]);
  assert.equal(Number((await one<{ held: number }>("SELECT IS_USED_LOCK('scaleout-test') = CONNECTION_ID() AS held")).held), 1);
  assert.ok((await s.metric('scaleout_db_proxy_session_pins_total', { reason: 'get_lock' })) >= 1);

  // COM_CHANGE_USER starts a clean session
  await c.changeUser({ user: 'app', password: 'app', database: 'shop' });
  assert.equal((await one<{ who: string | null }>('SELECT @who AS who')).who, null);
  await assert.rejects(c.changeUser({ user: 'app', password: 'bad' }), /Access denied/);

  // a fresh connection from the pool does not inherit anything
  const d = await s.connect();
  const [r] = await d.query<mysql.RowDataPacket[]>("SELECT @who AS who, IS_FREE_LOCK('scaleout-test') AS free");
  assert.equal(r[0]!.who, null);
  d.destroy();
  await until('lock released after the session closed', async () => {
    const e = await s.connect();
    const [x] = await e.query<mysql.RowDataPacket[]>("SELECT IS_FREE_LOCK('scaleout-test') AS free");
    e.destroy();
    return Number(x[0]!.free) === 1;
  });
});
