import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeRead, digestText, writtenTables } from './statement-tables.js';

test('analyzeRead: tables of FROM/JOIN lists, subqueries, qualified names, aliases', () => {
  assert.deepEqual(analyzeRead('SELECT * FROM products WHERE id = 1', 'shop'), { cacheable: true, tables: ['shop.products'] });
  assert.deepEqual(analyzeRead('select p.name from `Products` AS p join other.stock s on s.id = p.id, tags t where t.x = 1', 'shop'), {
    cacheable: true,
    tables: ['shop.products', 'other.stock', 'shop.tags'],
  });
  assert.deepEqual(analyzeRead('SELECT (SELECT COUNT(*) FROM a) FROM (SELECT * FROM b) x', 'shop'), { cacheable: true, tables: ['shop.a', 'shop.b'] });
  assert.deepEqual(analyzeRead('SELECT 1 + 1', undefined), { cacheable: true, tables: [] });
  assert.deepEqual(analyzeRead('SELECT 1 FROM DUAL', undefined), { cacheable: true, tables: [] });
  assert.deepEqual(analyzeRead('SELECT * FROM shop.t', undefined), { cacheable: true, tables: ['shop.t'] });
});

test('analyzeRead refuses what it cannot cache safely', () => {
  const no = (sql: string, schema: string | undefined, reason: string) => assert.deepEqual(analyzeRead(sql, schema), { cacheable: false, reason }, sql);
  for (const sql of ['SELECT NOW()', 'SELECT * FROM t WHERE d < CURRENT_TIMESTAMP', 'SELECT RAND() FROM t', 'SELECT UUID()', 'SELECT @x', 'SELECT @@hostname', 'SELECT * FROM t WHERE id = ?', 'SELECT LAST_INSERT_ID()']) {
    no(sql, 'shop', 'nondeterministic');
  }
  for (const sql of ['SELECT * FROM t FOR UPDATE', 'SELECT * FROM t LOCK IN SHARE MODE', 'SELECT a INTO @v FROM t', 'SELECT SQL_NO_CACHE * FROM t', 'SELECT * FROM t USE INDEX (i)', 'SELECT * FROM information_schema.tables', 'SELECT 1; SELECT 2', 'SHOW TABLES', 'WITH x AS (SELECT 1) SELECT * FROM x']) {
    no(sql, 'shop', 'uncacheable');
  }
  no('SELECT * FROM t', undefined, 'uncacheable');
});

test('writtenTables: the tables a write may change, [] for non-writes, all when unknown', () => {
  assert.deepEqual(writtenTables("INSERT INTO products (id, name) VALUES (1, 'a;b')", 'shop').includes('shop.products'), true);
  assert.ok((writtenTables('UPDATE other.stock s JOIN products p ON p.id = s.id SET s.n = 1', 'shop') as string[]).includes('other.stock'));
  assert.ok((writtenTables('DELETE FROM `Orders` WHERE id = 3', 'shop') as string[]).includes('shop.orders'));
  assert.ok((writtenTables('TRUNCATE TABLE t', 'shop') as string[]).includes('shop.t'));
  assert.ok((writtenTables('ALTER TABLE t ADD c INT', 'shop') as string[]).includes('shop.t'));
  assert.deepEqual(writtenTables('SELECT * FROM t', 'shop'), []);
  assert.deepEqual(writtenTables('SET NAMES utf8mb4', 'shop'), []);
  assert.deepEqual(writtenTables('COMMIT', 'shop'), []);
  assert.equal(writtenTables('CALL refresh()', 'shop'), 'all');
  assert.equal(writtenTables('DROP DATABASE shop', 'shop'), 'all');
  assert.equal(writtenTables('INSERT INTO t VALUES (1)', undefined), 'all', 'no schema and an unqualified table');
  assert.ok((writtenTables('INSERT INTO a VALUES (1); UPDATE b SET x = 1', 'shop') as string[]).includes('shop.b'));
});

test('digestText replaces literals and normalises spacing', () => {
  assert.equal(digestText("select  *  from t where id = 42 and name = 'x'"), 'SELECT * FROM T WHERE ID = ? AND NAME = ?');
  assert.equal(digestText('SELECT * FROM t WHERE id = 7'), digestText('SELECT * FROM t WHERE id=1'));
});

test('analyzeRead follows comma joins after ON conditions and nested lists', () => {
  assert.deepEqual(analyzeRead('SELECT * FROM a JOIN b ON a.id = b.id AND b.x IN (1, 2), c WHERE c.y = 1', 'shop'), { cacheable: true, tables: ['shop.a', 'shop.b', 'shop.c'] });
  assert.deepEqual(analyzeRead('SELECT * FROM (a JOIN b USING (id)), c', 'shop'), { cacheable: true, tables: ['shop.a', 'shop.b', 'shop.c'] });
  assert.deepEqual(analyzeRead('SELECT f(x, y) FROM a UNION SELECT 1 FROM d', 'shop'), { cacheable: true, tables: ['shop.a', 'shop.d'] });
  assert.deepEqual(analyzeRead('SELECT * FROM a PARTITION (p1)', 'shop'), { cacheable: false, reason: 'uncacheable' });
});
