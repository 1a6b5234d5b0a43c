// MariaDB's own query cache, as libs/infra starts it (query_cache_type / query_cache_size), on a real mariadbd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, withAdmin } from '@scaleout/replication';
import { startMariadb } from '@scaleout/testing';

test('queryCache settings reach mariadbd: SHOW VARIABLES, Qcache_hits rise on repeated SELECTs, a write invalidates', async (t) => {
  const db = await startMariadb({ queryCache: { type: 'ON', sizeBytes: 8 * 1024 * 1024 } });
  t.after(() => db.stop());
  await withAdmin(db.root, async (c) => {
    const vars = Object.fromEntries((await queryRows<{ Variable_name: string; Value: string }>(c, "SHOW VARIABLES LIKE 'query_cache_%'")).map((r) => [r.Variable_name, r.Value]));
    assert.equal(vars.query_cache_type, 'ON');
    assert.equal(vars.query_cache_size, String(8 * 1024 * 1024));
    const hits = async () => Number((await queryRows<{ Value: string }>(c, "SHOW GLOBAL STATUS LIKE 'Qcache_hits'"))[0]!.Value);
    await c.query('CREATE DATABASE qc');
    await c.query('CREATE TABLE qc.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB');
    await c.query('INSERT INTO qc.t VALUES (1, 1)');
    const before = await hits();
    for (let i = 0; i < 10; i++) await c.query('SELECT v FROM qc.t WHERE id = 1');
    assert.equal((await hits()) - before, 9, 'the first SELECT fills, the next nine hit');
    await c.query('UPDATE qc.t SET v = 2 WHERE id = 1');
    const afterWrite = await hits();
    assert.equal((await queryRows<{ v: number }>(c, 'SELECT v FROM qc.t WHERE id = 1'))[0]!.v, 2);
    assert.equal(await hits(), afterWrite, 'the write invalidated the cached result');
  });
});

test('without queryCache the server keeps its default (off)', async (t) => {
  const db = await startMariadb();
  t.after(() => db.stop());
  await withAdmin(db.root, async (c) => {
    const [row] = await queryRows<{ Value: string }>(c, "SHOW VARIABLES LIKE 'query_cache_type'");
    assert.equal(row!.Value, 'OFF');
  });
});
