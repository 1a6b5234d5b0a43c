// The result cache by query rule against a real MariaDB pair, through mysql2 (text protocol).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { queryRows, withAdmin } from '@scaleout/replication';
import { startProxyStack, until, type ProxyStack } from './helpers.js';

const RULES = JSON.stringify([
  { name: 'catalogue', regex: '\\bFROM (products|tags)\\b', ttl: '30s' },
  { name: 'short', regex: '\\bFROM ttl_t\\b', ttl: '300ms' },
  { name: 'many', regex: '\\bFROM many\\b', ttl: '30s' },
]);
const M = 'scaleout_db_proxy_result_cache_';

describe('result cache (real mariadbd pair, mysql2)', () => {
  let s: ProxyStack;
  let c: Connection;
  let other: Connection;

  before(async () => {
    s = await startProxyStack({ env: { DBPROXY_RESULT_CACHE_RULES: RULES, DBPROXY_RESULT_CACHE_MAX_BYTES: '65536', DBPROXY_RESULT_CACHE_MAX_ENTRY_BYTES: '16384' } });
    c = await s.connect();
    other = await s.connect();
    await c.query('CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(50), price INT)');
    await c.query('CREATE TABLE tags (id INT PRIMARY KEY, tag VARCHAR(50))');
    await c.query('CREATE TABLE ttl_t (id INT PRIMARY KEY, v INT)');
    await c.query('CREATE TABLE many (id INT PRIMARY KEY, pad VARCHAR(200))');
    await c.query("INSERT INTO products VALUES (1, 'tea', 10), (2, 'coffee', 20)");
    await c.query("INSERT INTO tags VALUES (1, 'hot')");
    await c.query('INSERT INTO ttl_t VALUES (1, 1)');
    await c.query(`INSERT INTO many SELECT seq, REPEAT('x', 200) FROM seq_1_to_500`);
    await s.pair.waitCaughtUp();
  });
  after(async () => {
    c?.destroy();
    other?.destroy();
    await s?.close();
  });

  const hits = () => s.metric(`${M}hits_total`);
  /** Waits until both servers show a row's value to their own readers (not only in their binlogs). */
  async function visibleOnBoth(sql: string, column: string, value: unknown): Promise<void> {
    for (const db of [s.pair.a, s.pair.b]) {
      await until(`${sql} = ${String(value)} on ${db.name}`, () => withAdmin(db.root, async (a) => (await queryRows(a, sql))[0]?.[column] === value));
    }
  }
  const relayed = () => s.metric('scaleout_db_proxy_queries_total');
  async function price(conn: Connection, id = 1): Promise<number> {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT price FROM products WHERE id = ?', [id]);
    return rows[0]!.price as number;
  }
  /** Runs a query until it is answered from the cache (a fill from a reader that may lag is not stored). */
  async function cached(sql: string): Promise<RowDataPacket[]> {
    return until(`"${sql}" answered from the cache`, async () => {
      const h = await hits();
      const [rows] = await other.query<RowDataPacket[]>(sql);
      return (await hits()) > h ? rows : undefined;
    });
  }

  test('a repeated SELECT matching a rule is answered from the cache, with the same rows and no backend query', async () => {
    const sql = 'SELECT id, name, price FROM products ORDER BY id';
    const [direct] = await c.query<RowDataPacket[]>(sql);
    const rows = await cached(sql);
    assert.deepEqual(rows, direct);
    const before = await relayed();
    const h = await hits();
    for (let i = 0; i < 20; i++) assert.deepEqual((await c.query<RowDataPacket[]>(sql))[0], direct);
    assert.equal((await hits()) - h, 20);
    assert.equal(await relayed(), before, 'no command reached a server');
    assert.ok((await s.metric(`${M}entries`)) >= 1);
    assert.ok((await s.metric(`${M}bytes`)) > 0);
  });

  test('a write to the same table through the proxy invalidates: the next read sees it, from any session', async () => {
    const sql = 'SELECT price FROM products WHERE id = 1';
    await cached(sql);
    const inv = await s.metric(`${M}invalidations_total`, { source: 'local' });
    await c.query('UPDATE products SET price = 11 WHERE id = 1');
    assert.ok((await s.metric(`${M}invalidations_total`, { source: 'local' })) > inv);
    for (let i = 0; i < 50; i++) assert.equal(await price(c), 11, 'the writing session never reads the old price (read-your-writes holds with the cache)');
    // another session's reads are not causal (a reader may not have applied the write yet): once it has, no stale entry remains
    await visibleOnBoth('SELECT price FROM shop.products WHERE id = 1', 'price', 11);
    for (let i = 0; i < 20; i++) assert.equal(await price(other), 11);
    assert.equal(((await cached(sql))[0] as RowDataPacket).price, 11);
  });

  test('a write to another table leaves the entry', async () => {
    const sql = 'SELECT tag FROM tags WHERE id = 1';
    await cached(sql);
    await c.query('UPDATE ttl_t SET v = v + 1');
    await c.query("INSERT INTO products VALUES (3, 'juice', 5)");
    const h = await hits();
    await other.query(sql);
    assert.equal((await hits()) - h, 1, 'still a hit');
  });

  test('inside a transaction the cache is bypassed, and a commit invalidates what the transaction wrote', async () => {
    const sql = 'SELECT price FROM products WHERE id = 2';
    await cached(sql);
    const bypass = await s.metric(`${M}bypass_total`, { reason: 'transaction' });
    const h = await hits();
    await c.query('BEGIN');
    await c.query(sql);
    await c.query('UPDATE products SET price = 21 WHERE id = 2');
    assert.equal((await c.query<RowDataPacket[]>(sql))[0][0]!.price, 21, 'the transaction reads its own write, not the cache');
    assert.equal(await hits(), h);
    assert.ok((await s.metric(`${M}bypass_total`, { reason: 'transaction' })) >= bypass + 2);
    // another session fills the cache with the committed (old) row while the transaction is open
    assert.equal(await price(other, 2), 20);
    await c.query('COMMIT');
    await visibleOnBoth('SELECT price FROM shop.products WHERE id = 2', 'price', 21);
    for (let i = 0; i < 20; i++) assert.equal(await price(other, 2), 21, 'the commit invalidated the old row');
  });

  test('non-deterministic SELECTs are never cached', async () => {
    const h = await hits();
    const times = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const [rows] = await c.query<RowDataPacket[]>('SELECT RAND() AS r, NOW(6) AS t FROM products WHERE id = 1');
      times.add(String(rows[0]!.r));
    }
    assert.equal(await hits(), h);
    assert.equal(times.size, 5, 'five different RAND() values');
    assert.ok((await s.metric(`${M}bypass_total`, { reason: 'nondeterministic' })) >= 5);
  });

  test('an entry expires at its rule TTL', async () => {
    const sql = 'SELECT v FROM ttl_t WHERE id = 1';
    await cached(sql);
    await new Promise((r) => setTimeout(r, 400));
    const h = await hits();
    const m = await s.metric(`${M}misses_total`, { rule: 'short' });
    await other.query(sql);
    assert.equal(await hits(), h, 'expired: not a hit');
    assert.equal((await s.metric(`${M}misses_total`, { rule: 'short' })) - m, 1);
    assert.ok((await s.metric(`${M}expired_total`)) >= 1);
  });

  test('memory stays within DBPROXY_RESULT_CACHE_MAX_BYTES (LRU eviction); oversized results are not stored', async () => {
    for (let i = 1; i <= 500; i++) await c.query(`SELECT id, pad FROM many WHERE id = ${i}`);
    assert.ok((await s.metric(`${M}bytes`)) <= 65536, `bytes ${await s.metric(`${M}bytes`)}`);
    assert.ok((await s.metric(`${M}evictions_total`)) > 0);
    const big = await s.metric(`${M}not_stored_total`, { reason: 'too_large' });
    const [rows] = await c.query<RowDataPacket[]>('SELECT id, pad FROM many');
    assert.equal(rows.length, 500, 'an oversized result is still relayed whole');
    assert.equal((await s.metric(`${M}not_stored_total`, { reason: 'too_large' })) - big, 1);
  });

  test('prepared statements are not cached, and their writes invalidate', async () => {
    const sql = 'SELECT name FROM products WHERE id = 2';
    await cached(sql);
    const h = await hits();
    await c.execute('SELECT name FROM products WHERE id = ?', [2]);
    await c.execute('SELECT name FROM products WHERE id = ?', [2]);
    assert.equal(await hits(), h, 'binary protocol: relayed');
    await c.execute('UPDATE products SET name = ? WHERE id = ?', ['espresso', 2]);
    await visibleOnBoth('SELECT name FROM shop.products WHERE id = 2', 'name', 'espresso');
    const [rows] = await other.query<RowDataPacket[]>(sql);
    assert.equal(rows[0]!.name, 'espresso');
  });

  test('a write through the peer proxy invalidates this proxy\'s entries (DBPROXY_PEERS)', async () => {
    const peer = await s.startProxy({ DBPROXY_RESULT_CACHE_RULES: RULES, DBPROXY_ID_BLOCK: '1', DBPROXY_PEERS: `0=${s.adminUrl}` });
    const { default: mysql } = await import('mysql2/promise');
    const pc = await mysql.createConnection({ host: '127.0.0.1', port: peer.port, user: 'app', password: 'app', database: 'shop' });
    try {
      const sql = 'SELECT price FROM products WHERE id = 3';
      await cached(sql);
      const inv = await s.metric(`${M}invalidations_total`, { source: 'peer' });
      await pc.query('UPDATE products SET price = 6 WHERE id = 3');
      await until('the peer invalidation arrived', async () => (await s.metric(`${M}invalidations_total`, { source: 'peer' })) > inv);
      await visibleOnBoth('SELECT price FROM shop.products WHERE id = 3', 'price', 6);
      assert.equal(await price(other, 3), 6);
    } finally {
      pc.destroy();
    }
  });
});

test('bad result-cache configuration stops the proxy with a clear message and a non-zero exit', () => {
  const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', server], {
      env: { ...process.env, DBPROXY_HOST: '127.0.0.1', DBPROXY_PORT: '0', DBPROXY_ADMIN_PORT: '0', DBPROXY_BACKENDS: 'db1=127.0.0.1:1', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const bad = start({ DBPROXY_RESULT_CACHE_RULES: '[{"regex":"(","ttl":"1s"}]' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout + bad.stderr, /DBPROXY_RESULT_CACHE_RULES: rule 1 is invalid: "regex" does not compile/);
  const ttl = start({ DBPROXY_RESULT_CACHE_RULES: '[{"digest":"SELECT 1","ttl":"soon"}]' });
  assert.notEqual(ttl.status, 0);
  assert.match(ttl.stdout + ttl.stderr, /"ttl" "soon" must be a duration between 1ms and 24h/);
  const size = start({ DBPROXY_RESULT_CACHE_RULES: '[{"digest":"SELECT 1","ttl":"1s"}]', DBPROXY_RESULT_CACHE_MAX_BYTES: 'lots' });
  assert.notEqual(size.status, 0);
  assert.match(size.stdout + size.stderr, /DBPROXY_RESULT_CACHE_MAX_BYTES/);
});
