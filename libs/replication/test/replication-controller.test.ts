import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { ReplicationController, queryRows, readSlaveStatus, withAdmin, type ControlAction, type ServerEndpoint } from '../src/index.js';
import { startLocalPair } from './local-pair.js';

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function app(e: ServerEndpoint) {
  return mysql.createConnection({ host: e.host, port: e.port, user: e.user, password: e.password, database: 'shop' });
}

async function readOnly(e: ServerEndpoint): Promise<boolean> {
  return withAdmin(e, async (c) => Number((await queryRows<{ r: number }>(c, 'SELECT @@global.read_only AS r'))[0]!.r) === 1);
}

async function count(e: ServerEndpoint): Promise<number> {
  return withAdmin(e, async (c) => Number((await queryRows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM shop.t'))[0]!.n));
}

test('two controllers agree on one writer: fence at start, switchover, failover, fence the returning writer, rejoin', async (t) => {
  const pair = await startLocalPair({ semiSyncTimeoutMs: 1000 });
  t.after(() => pair.stop());
  const { a, b } = pair;
  const servers = [a.admin, b.admin];
  const actions: ControlAction[] = [];
  const c1 = new ReplicationController({ servers, intervalMs: 100, fall: 3 });
  const c2 = new ReplicationController({ servers, intervalMs: 100, fall: 3 });
  for (const c of [c1, c2]) c.on('action', (x) => actions.push(x));
  t.after(async () => {
    await c1.stop();
    await c2.stop();
  });
  await Promise.all([c1.start(), c2.start()]);

  // Both servers start writable: the first in configured order is the writer, the other gets fenced.
  assert.equal(c1.writer, 'db1');
  assert.equal(c2.writer, 'db1');
  await until('db2 fenced', () => readOnly(b.root));
  assert.equal(await readOnly(a.root), false);
  assert.equal(actions.filter((x) => x.kind === 'fence' && x.ok).length, 1, 'exactly one controller fenced db2');

  // The application account cannot write on the fenced server.
  const appB = await app(b.app);
  await assert.rejects(appB.query('CREATE TABLE x (id INT)'), /read-only|read_only/i);
  appB.destroy();

  const appA = await app(a.app);
  await appA.query('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
  for (let i = 0; i < 50; i++) await appA.query('INSERT INTO t (v) VALUES (?)', [i]);
  appA.destroy();

  // Switchover: db2 becomes the writer with every row; replication keeps running both ways.
  let drained = false;
  const sw = await c1.switchover({ to: 'db2', beforeFence: async () => void (drained = true) });
  assert.equal(sw.to, 'db2');
  assert.ok(drained, 'the drain hook ran before fencing');
  assert.equal(c1.writer, 'db2');
  await until('c2 follows', () => c2.writer === 'db2');
  assert.equal(await readOnly(a.root), true);
  assert.equal(await readOnly(b.root), false);
  assert.equal(await count(b.root), 50);
  const slaveA = await withAdmin(a.root, readSlaveStatus);
  assert.equal(slaveA?.ioRunning, 'Yes');

  // Writes on the new writer, then kill -9 it: a controller fails over to db1 and db1 has every acknowledged row.
  const appB2 = await app(b.app);
  let acked = 50;
  for (let i = 0; i < 100; i++) {
    await appB2.query('INSERT INTO t (v) VALUES (?)', [1000 + i]);
    acked++;
  }
  appB2.destroy();
  b.kill();
  await until('failover to db1', () => c1.writer === 'db1' && c2.writer === 'db1', 20_000);
  assert.equal(await readOnly(a.root), false);
  assert.equal(await count(a.root), acked, 'every acknowledged row is on the new writer');
  const failovers = actions.filter((x) => x.kind === 'failover' && x.ok);
  assert.equal(failovers.length, 1, 'exactly one controller performed the failover');
  assert.equal(failovers[0]!.from, 'db2');
  assert.equal((await withAdmin(a.root, readSlaveStatus))?.sqlRunning, 'No', 'the promoted server no longer replicates from the dead one');
  assert.ok(c1.epoch >= 2);

  // The old writer comes back writable (no --read-only): the promotion record says db1, so it is fenced.
  await b.restart();
  await until('returning writer fenced', () => readOnly(b.root));
  assert.equal(c1.writer, 'db1');
  assert.equal(c2.writer, 'db1');

  // Rejoin restores master-master replication without changing the writer (no fail-back).
  await c2.rejoin('db2');
  const sa = await withAdmin(a.root, readSlaveStatus);
  assert.equal(sa?.ioRunning, 'Yes');
  const appA2 = await app(a.app);
  await appA2.query('INSERT INTO t (v) VALUES (1)');
  appA2.destroy();
  await until('new row replicated to db2', async () => (await count(b.root)) === acked + 1);
  assert.equal(c1.writer, 'db1');
  const views = c1.views();
  assert.deepEqual(
    views.map((v) => [v.name, v.role]),
    [
      ['db1', 'writer'],
      ['db2', 'reader'],
    ],
  );
});
