// Failover under write load (kill -9 the writer) and manual switchover with zero errors, two proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { queryRows, withAdmin, type ServerEndpoint } from '@scaleout/replication';
import { adminFetch, json, startProxyStack, until } from './helpers.js';

type Switched = { from: string; to: string; durationMs: number };

async function values(e: ServerEndpoint, table: string): Promise<Set<number>> {
  return withAdmin(e, async (c) => new Set((await queryRows<{ v: number }>(c, `SELECT v FROM shop.${table}`)).map((r) => Number(r.v))));
}

test('failover under write load: kill -9 the writer; writes succeed again within 5 s and no acknowledged write is lost', async (t) => {
  const s = await startProxyStack({ env: { DBPROXY_MONITOR_INTERVAL: '100ms', DBPROXY_MONITOR_FALL: '3' } });
  t.after(() => s.close());
  const second = await s.startProxy();
  const setup = await s.connect();
  await setup.query('CREATE TABLE fo (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL UNIQUE)');
  setup.destroy();
  await s.pair.waitCaughtUp();

  const acked: number[] = [];
  const ackedAt: number[] = [];
  let errors = 0;
  let killedAt = 0;
  let firstAfterKill = 0;
  let next = 0;
  let stop = false;
  const writer = async (port: number) => {
    let c: Connection | undefined;
    while (!stop) {
      const v = next++;
      try {
        c ??= await mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: 'app', database: 'shop' });
        await c.query('INSERT INTO fo (v) VALUES (?)', [v]);
        acked.push(v);
        ackedAt.push(Date.now());
        if (killedAt && !firstAfterKill) firstAfterKill = Date.now();
      } catch {
        errors++;
        if (c && (c as unknown as { connection: { _fatalError?: unknown } }).connection._fatalError) {
          c.destroy();
          c = undefined;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    c?.destroy();
  };
  const loops = [writer(s.port), writer(s.port), writer(second.port), writer(second.port)];
  await until('some writes', () => acked.length > 200);
  s.pair.a.kill('SIGKILL');
  killedAt = Date.now();
  await until('writes succeed again', () => firstAfterKill > 0, 20_000);
  const countAtRecovery = acked.length;
  await until('more writes on the new writer', () => acked.length > countAtRecovery + 100, 20_000);
  stop = true;
  await Promise.all(loops);

  // the outage: the longest time without any acknowledged write, around the kill
  let recoveryMs = 0;
  for (let i = 1; i < ackedAt.length; i++) {
    if (ackedAt[i]! >= killedAt - 1000) recoveryMs = Math.max(recoveryMs, ackedAt[i]! - ackedAt[i - 1]!);
  }
  assert.ok(recoveryMs < 5000, `no write succeeded for ${recoveryMs} ms`);
  const onNewWriter = await values(s.pair.b.root, 'fo');
  const lost = acked.filter((v) => !onNewWriter.has(v));
  assert.deepEqual(lost, [], `${acked.length} acknowledged writes, ${lost.length} missing on db2`);
  const [rows] = await withAdmin(s.pair.b.root, (c) => queryRows<{ n: number; d: number }>(c, 'SELECT COUNT(*) AS n, COUNT(DISTINCT v) AS d FROM shop.fo'));
  assert.equal(Number(rows!.n), Number(rows!.d), 'a write applied twice on the new writer');
  assert.equal(s.proxy.proxy.controller.writer, 'db2');
  assert.equal(second.proxy.controller.writer, 'db2');
  const failovers =
    (await s.metric('scaleout_db_proxy_failover_events_total', { kind: 'failover', result: 'ok' })) +
    (await s.metric('scaleout_db_proxy_failover_events_total', { kind: 'failover', result: 'ok' }, second));
  assert.equal(failovers, 1, 'exactly one proxy promoted db2');
  t.diagnostic(`recovery ${recoveryMs} ms, ${acked.length} acknowledged, ${errors} errors during the failover`);

  const b = await json<{ writer: string; backends: { name: string; role: string }[] }>(await adminFetch(s, '/api/backends'));
  assert.equal(b.writer, 'db2');
  assert.deepEqual(
    b.backends.map((x) => [x.name, x.role]),
    [
      ['db1', 'down'],
      ['db2', 'writer'],
    ],
  );

  // the old writer comes back writable (no --read-only): it is fenced, never written again; no fail-back
  await s.pair.a.start();
  await until('old writer fenced', async () =>
    withAdmin(s.pair.a.root, async (c) => Number((await queryRows<{ r: number }>(c, 'SELECT @@global.read_only AS r'))[0]!.r) === 1),
  );
  assert.equal(s.proxy.proxy.controller.writer, 'db2');
  const rejoin = await adminFetch(s, '/api/backends/db1/rejoin', { method: 'POST', body: '{}' });
  const rj = await json<{ message?: string }>(rejoin);
  // with semi-sync every acknowledged commit reached db2; db1 may still hold the writes that were in flight at the kill
  assert.ok(rejoin.status === 200 || (rejoin.status === 409 && /REPL_ERR_DIVERGED/.test(rj.message ?? '')), JSON.stringify(rj));
  if (rejoin.status === 409) {
    const forced = await adminFetch(s, '/api/backends/db1/rejoin', { method: 'POST', body: '{"force":true}' });
    assert.equal(forced.status, 200);
  }
  await until('replicating both ways', () => s.proxy.proxy.controller.views().every((v) => v.replicating), 20_000);
  assert.equal(s.proxy.proxy.controller.writer, 'db2', 'still no fail-back after rejoin');
});

test('switchover: zero errors for clients reading and writing through both proxies, zero lost writes', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  const second = await s.startProxy();
  const setup = await s.connect();
  await setup.query('CREATE TABLE sw (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL UNIQUE)');
  setup.destroy();

  const acked: number[] = [];
  const errors: string[] = [];
  let next = 0;
  let stop = false;
  // through proxy 1: transactions and autocommit; through proxy 2: autocommit reads and writes
  const client = async (port: number, transactions: boolean) => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: 'app', database: 'shop' });
    while (!stop) {
      const v = next++;
      try {
        if (transactions && v % 3 === 0) {
          await c.query('START TRANSACTION');
          await c.query('INSERT INTO sw (v) VALUES (?)', [v]);
          const [r] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM sw WHERE v = ?', [v]);
          if (Number(r[0]!.n) !== 1) errors.push(`row ${v} not visible in its transaction`);
          await c.query('COMMIT');
        } else {
          await c.query('INSERT INTO sw (v) VALUES (?)', [v]);
          const [r] = await c.query<RowDataPacket[]>('SELECT v FROM sw WHERE v = ?', [v]);
          if (r.length !== 1) errors.push(`row ${v} not read back`);
        }
        acked.push(v);
      } catch (err) {
        errors.push(`${v}: ${(err as Error).message}`);
      }
    }
    c.destroy();
  };
  const loops = [client(s.port, true), client(s.port, true), client(second.port, false)];
  await until('load running', () => acked.length > 100);
  const r1 = await adminFetch(s, '/api/switchover', { method: 'POST', body: JSON.stringify({ to: 'db2' }) });
  const sw1 = await json<Switched>(r1);
  assert.equal(r1.status, 200, JSON.stringify(sw1));
  assert.equal(sw1.from, 'db1');
  assert.equal(sw1.to, 'db2');
  await until('second proxy follows', () => second.proxy.controller.writer === 'db2');
  const mid = acked.length;
  await until('load on the new writer', () => acked.length > mid + 100);
  // and back, requested through the first proxy again (its clients run transactions)
  const r2 = await adminFetch(s, '/api/switchover', { method: 'POST', body: '{}' });
  const sw2 = await json<Switched>(r2);
  assert.equal(r2.status, 200, JSON.stringify(sw2));
  assert.equal(sw2.to, 'db1');
  const mid2 = acked.length;
  await until('load after the second switchover', () => acked.length > mid2 + 100);
  stop = true;
  await Promise.all(loops);

  assert.deepEqual(errors, []);
  assert.equal(s.proxy.proxy.controller.writer, 'db1');
  await s.pair.waitCaughtUp();
  const rows = await values(s.pair.a.root, 'sw');
  assert.deepEqual(
    acked.filter((v) => !rows.has(v)),
    [],
    'every acknowledged write is on the writer',
  );
  assert.equal(await s.metric('scaleout_db_proxy_failover_events_total', { kind: 'switchover', result: 'ok' }), 2);
  const writer = await json<{ writer: string; writesHeld: boolean }>(await adminFetch(s, '/api/writer'));
  assert.equal(writer.writer, 'db1');
  assert.equal(writer.writesHeld, false);
  t.diagnostic(`${acked.length} acknowledged writes, first switchover took ${sw1.durationMs} ms`);
});
