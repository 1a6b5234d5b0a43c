import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withAdmin, queryRows, readSlaveStatus } from '@scaleout/replication';
import { startMariadbPair, type TestMariadbPair } from '../src/index.js';

let pair: TestMariadbPair;
after(() => pair?.stop());

async function count(e: TestMariadbPair['a'], where = '1=1'): Promise<number> {
  const rows = await withAdmin(e.root, (c) => queryRows<{ n: number }>(c, `SELECT COUNT(*) AS n FROM shop.t WHERE ${where}`));
  return Number(rows[0]!.n);
}

test('a pair replicates master-master with distinct ids, domains and auto-increment offsets', async () => {
  pair = await startMariadbPair();
  const vars = await Promise.all(
    [pair.a, pair.b].map((s) =>
      withAdmin(s.root, (c) =>
        queryRows<Record<string, string | number>>(
          c,
          'SELECT @@server_id AS id, @@gtid_domain_id AS dom, @@auto_increment_increment AS inc, @@auto_increment_offset AS off, ' +
            '@@log_slave_updates AS lsu, @@binlog_format AS fmt, @@session_track_system_variables AS track',
        ),
      ),
    ),
  );
  const [va, vb] = vars.map((r) => r[0]!);
  assert.deepEqual([Number(va!.id), Number(vb!.id)], [1, 2]);
  assert.deepEqual([Number(va!.dom), Number(vb!.dom)], [1, 2]);
  assert.deepEqual([Number(va!.inc), Number(va!.off), Number(vb!.inc), Number(vb!.off)], [2, 1, 2, 2]);
  assert.equal(Number(va!.lsu), 1);
  assert.equal(va!.fmt, 'ROW');
  assert.match(String(va!.track), /last_gtid/);

  await withAdmin(pair.a.root, (c) => c.query('CREATE TABLE shop.t (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(32))'));
  // b can only insert into the table once a's CREATE has replicated to it (not instant on a busy machine).
  await pair.waitCaughtUp(10_000);
  await withAdmin(pair.a.root, (c) => c.query("INSERT INTO shop.t (origin) VALUES ('a')"));
  await withAdmin(pair.b.root, (c) => c.query("INSERT INTO shop.t (origin) VALUES ('b')"));
  await pair.waitCaughtUp(10_000);
  assert.equal(await count(pair.a), 2);
  assert.equal(await count(pair.b), 2);
  const ids = await withAdmin(pair.a.root, (c) => queryRows<{ id: number; origin: string }>(c, 'SELECT id, origin FROM shop.t ORDER BY id'));
  assert.deepEqual(
    ids.map((r) => [Number(r.id) % 2, r.origin]),
    [
      [1, 'a'],
      [0, 'b'],
    ],
  );
});

test('the app and repl accounts exist on both servers and work over TCP', async () => {
  for (const s of [pair.a, pair.b]) {
    const rows = await withAdmin({ host: s.host, port: s.port, user: 'app', password: 'app' }, (c) => queryRows<{ u: string }>(c, 'SELECT CURRENT_USER() AS u'));
    assert.match(rows[0]!.u, /^app@/);
  }
});

test('a killed server restarts on its data and catches up with writes made while it was down', async () => {
  pair.b.kill('SIGKILL');
  await pair.b.daemon.exited;
  for (let i = 0; i < 20; i++) await withAdmin(pair.a.root, (c) => c.query("INSERT INTO shop.t (origin) VALUES ('a-while-b-down')"));
  await pair.b.start();
  await pair.waitCaughtUp(10_000);
  assert.equal(await count(pair.b, "origin = 'a-while-b-down'"), 20);
  // and b's writes still reach a after the restart
  await withAdmin(pair.b.root, (c) => c.query("INSERT INTO shop.t (origin) VALUES ('b-after')"));
  await pair.waitCaughtUp(5000);
  assert.equal(await count(pair.a, "origin = 'b-after'"), 1);
  const sa = await withAdmin(pair.a.root, readSlaveStatus);
  const sb = await withAdmin(pair.b.root, readSlaveStatus);
  assert.equal(sa?.ioRunning, 'Yes');
  assert.equal(sb?.sqlRunning, 'Yes', sb?.lastSqlError);
});

test('restarting the other side works too (a killed, b writes)', async () => {
  pair.a.kill('SIGKILL');
  await pair.a.daemon.exited;
  for (let i = 0; i < 5; i++) await withAdmin(pair.b.root, (c) => c.query("INSERT INTO shop.t (origin) VALUES ('b-while-a-down')"));
  await pair.a.start();
  await pair.waitCaughtUp(10_000);
  assert.equal(await count(pair.a, "origin = 'b-while-a-down'"), 5);
  const sa = await withAdmin(pair.a.root, readSlaveStatus);
  assert.equal(sa?.sqlRunning, 'Yes', sa?.lastSqlError);
  assert.equal(sa?.lastIoError, '');
});
