// Causal reads (read-your-writes), the cross-session token, and lag-aware routing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { queryRows, withAdmin } from '@scaleout/replication';
import { startProxyStack, until } from './helpers.js';

test('read-your-writes: 1,000 INSERT-then-SELECT on one connection never miss, with reads on the reader', async (t) => {
  // the writer serves no reads: every SELECT goes to the reader, right after the write it must see
  const s = await startProxyStack({ env: { DBPROXY_WRITER_READ_WEIGHT: '0' } });
  t.after(() => s.close());
  const c = await s.connect();
  t.after(() => c.destroy());
  await c.query('CREATE TABLE ryw (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)');
  const readerBefore = await s.metric('scaleout_db_proxy_queries_total', { route: 'reader' });
  let misses = 0;
  for (let i = 0; i < 1000; i++) {
    const [ins] = await c.query<ResultSetHeader>('INSERT INTO ryw (v) VALUES (?)', [i]);
    const [rows] =
      i % 2 === 0
        ? await c.query<RowDataPacket[]>('SELECT v, @@server_id AS sid FROM ryw WHERE id = ?', [ins.insertId])
        : await c.execute<RowDataPacket[]>('SELECT v, @@server_id AS sid FROM ryw WHERE id = ?', [ins.insertId]);
    if (rows.length !== 1 || rows[0]!.v !== i) misses++;
  }
  assert.equal(misses, 0);
  const reader = (await s.metric('scaleout_db_proxy_queries_total', { route: 'reader' })) - readerBefore;
  assert.ok(reader >= 900, `the reader served the reads (${reader})`);
  const causal = (await s.metric('scaleout_db_proxy_causal_reads_total', { result: 'waited' })) + (await s.metric('scaleout_db_proxy_causal_reads_total', { result: 'known' }));
  assert.ok(causal >= 900, `causal reads were checked (${causal})`);
});

test('the causal token carries a write to another session (SET @scaleout_min_gtid)', async (t) => {
  const s = await startProxyStack({ env: { DBPROXY_WRITER_READ_WEIGHT: '0', DBPROXY_CAUSAL_READS: 'wait' } });
  t.after(() => s.close());
  const writer = await s.connect();
  const reader = await s.connect();
  t.after(() => {
    writer.destroy();
    reader.destroy();
  });
  await writer.query('CREATE TABLE tok (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
  let misses = 0;
  for (let i = 0; i < 200; i++) {
    const [ins] = await writer.query<ResultSetHeader & { stateChanges?: { systemVariables?: Record<string, string> } }>('INSERT INTO tok (v) VALUES (?)', [i]);
    const token = ins.stateChanges?.systemVariables?.last_gtid;
    assert.ok(token, 'the OK packet relays last_gtid to the client');
    await reader.query('SET @scaleout_min_gtid = ?', [token]);
    const [rows] = await reader.query<RowDataPacket[]>('SELECT v FROM tok WHERE id = ?', [ins.insertId]);
    if (rows.length !== 1) misses++;
  }
  assert.equal(misses, 0);
  await assert.rejects(reader.query("SET @scaleout_min_gtid = 'not-a-gtid'"), /scaleout_min_gtid/);
});

test('lag-aware routing: a reader that stops applying or lags beyond DBPROXY_MAX_LAG gets no reads', async (t) => {
  const s = await startProxyStack({ env: { DBPROXY_MAX_LAG: '2s' } });
  t.after(() => s.close());
  const sids = async (n: number) => {
    const c = await s.connect();
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) seen.add(Number((await c.query<RowDataPacket[]>('SELECT @@server_id AS sid'))[0][0]!.sid));
    c.destroy();
    return [...seen].sort();
  };
  assert.deepEqual(await sids(20), [1, 2]);

  await withAdmin(s.pair.b.root, (c) => c.query('STOP SLAVE SQL_THREAD'));
  await until('reader dropped', () => s.proxy.proxy.controller.view('db2')?.replicating === false);
  assert.deepEqual(await sids(20), [1], 'replication stopped: reads stay on the writer');
  await withAdmin(s.pair.b.root, (c) => c.query('START SLAVE SQL_THREAD'));
  await until('reader back', async () => (await sids(10)).length === 2);

  // a delayed replica: Seconds_Behind_Master grows past the 2 s bound once a write is waiting there
  await withAdmin(s.pair.b.root, async (c) => {
    await c.query('STOP SLAVE');
    await c.query('CHANGE MASTER TO master_delay = 6');
    await c.query('START SLAVE');
  });
  const w = await s.connect();
  await w.query('CREATE TABLE lagged (id INT PRIMARY KEY)');
  for (let i = 0; i < 5; i++) {
    await w.query('INSERT INTO lagged VALUES (?)', [i]);
    await new Promise((r) => setTimeout(r, 300));
  }
  w.destroy();
  await until('lag seen', () => (s.proxy.proxy.controller.view('db2')?.lagSeconds ?? 0) > 2, 20_000);
  assert.deepEqual(await sids(20), [1], 'lagging reader gets no reads');
  assert.ok((await s.metric('scaleout_db_proxy_replication_lag_seconds', { server: 'db2' })) > 2);
  await withAdmin(s.pair.b.root, async (c) => {
    await c.query('STOP SLAVE');
    await c.query('CHANGE MASTER TO master_delay = 0');
    await c.query('START SLAVE');
  });
  await until('caught up', async () => (await sids(10)).length === 2, 20_000);
  await until(
    'delayed rows applied',
    async () => Number((await withAdmin(s.pair.b.root, (c) => queryRows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM shop.lagged')))[0]!.n) === 5,
    20_000,
  );
});
