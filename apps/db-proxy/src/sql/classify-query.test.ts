import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyQuery, Target } from './classify-query.js';
import { splitStatements, tokenize } from './sql-lexer.js';

const target = (sql: string) => classifyQuery(sql).target;

test('plain reads go to readers', () => {
  for (const sql of [
    'SELECT 1',
    'select c from sbtest1 where id=5',
    '  /* comment */ SELECT * FROM t',
    '(SELECT 1) UNION (SELECT 2)',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'SHOW TABLES',
    'SHOW GLOBAL STATUS',
    'DESCRIBE t',
    'EXPLAIN SELECT * FROM t',
    "SELECT 'FOR UPDATE', `into`, \"GET_LOCK(\" FROM t",
    'SELECT @@version_comment LIMIT 1',
    'SELECT @a, @@session.sql_mode',
    'START TRANSACTION READ ONLY',
    'SELECT 1;',
    '# only a comment',
  ]) {
    assert.equal(target(sql), Target.Read, sql);
  }
});

test('writes, locking reads and side effects go to the writer', () => {
  for (const sql of [
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    'REPLACE INTO t VALUES (1)',
    'CREATE TABLE t (a INT)',
    'SELECT * FROM t FOR UPDATE',
    'SELECT * FROM t LOCK IN SHARE MODE',
    'SELECT * FROM t INTO OUTFILE "/tmp/x"',
    'SELECT LAST_INSERT_ID()',
    'SELECT @@last_insert_id',
    'SELECT NEXTVAL(s)',
    'SELECT NEXT VALUE FOR s',
    "SELECT MASTER_GTID_WAIT('0-1-1')",
    'SELECT SQL_CALC_FOUND_ROWS * FROM t',
    'CALL p()',
    'DO SLEEP(1)',
    'SHOW MASTER STATUS',
    'SHOW SLAVE STATUS',
    'SHOW PROCESSLIST',
    'BEGIN',
    'START TRANSACTION',
    'START TRANSACTION WITH CONSISTENT SNAPSHOT',
    'KILL 5',
    'WITH x AS (SELECT 1) UPDATE t SET a = 1',
    '/*!40101 UPDATE t SET a = 1 */',
    'SELECT 1; SELECT 2',
  ]) {
    assert.equal(target(sql), Target.Write, sql);
  }
});

test('statements about the previous statement stay on its connection', () => {
  for (const sql of ['SHOW WARNINGS', 'SHOW ERRORS', 'SHOW COUNT(*) WARNINGS', 'SELECT FOUND_ROWS()', 'SELECT ROW_COUNT()', 'SELECT @@warning_count', 'SHOW STATUS', 'SHOW SESSION STATUS LIKE "x"']) {
    assert.equal(target(sql), Target.Previous, sql);
  }
});

test('transactions', () => {
  assert.equal(classifyQuery('BEGIN').begin, 'rw');
  assert.equal(classifyQuery('begin work').begin, 'rw');
  assert.equal(classifyQuery('START TRANSACTION READ ONLY').begin, 'ro');
  assert.equal(classifyQuery('START TRANSACTION READ WRITE').begin, 'rw');
  assert.equal(classifyQuery('BEGIN NOT ATOMIC SELECT 1; END').begin, undefined);
  for (const sql of ['COMMIT', 'ROLLBACK', 'ROLLBACK TO SAVEPOINT a', 'SAVEPOINT a', 'RELEASE SAVEPOINT a', 'commit work']) {
    assert.equal(classifyQuery(sql).txnControl, true, sql);
  }
  assert.equal(classifyQuery('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE').nextTrxOnWriter, true);
});

test('session commands are replayable when their values are literals', () => {
  const key = (sql: string) => classifyQuery(sql).sessionKey;
  assert.equal(key('SET autocommit=0'), 'autocommit');
  assert.equal(key('SET SESSION autocommit = 1'), 'autocommit');
  assert.equal(key('SET @@session.sql_mode = "TRADITIONAL"'), 'sql_mode');
  assert.equal(key("SET time_zone = '+00:00', sql_mode=''"), 'sql_mode,time_zone');
  assert.equal(key('SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci'), 'names');
  assert.equal(key('SET CHARACTER SET latin1'), 'names');
  assert.equal(key('SET @a = 5, @b = "x"'), '@a,@b');
  assert.equal(key('SET @a := -5'), '@a');
  assert.equal(key("SET @s = _utf8mb4'x'"), '@s');
  assert.equal(key('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'), 'transaction:isolation');
  assert.equal(key('SET LOCAL TRANSACTION READ ONLY'), 'transaction:access');
  // not replayable: global, expressions (different value on each server)
  assert.equal(key('SET GLOBAL max_connections = 10'), undefined);
  assert.equal(key('SET @@global.x = 1'), undefined);
  const expr = classifyQuery('SET @id = LAST_INSERT_ID()');
  assert.equal(expr.sessionKey, undefined);
  assert.equal(expr.pin, 'set_expression');
  assert.equal(classifyQuery("SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')").pin, 'set_expression');
  assert.equal(classifyQuery('USE shop').useSchema, 'shop');
  assert.equal(classifyQuery('use `My``Db`').useSchema, 'My`Db');
});

test('statements that tie the session to one backend', () => {
  const pin = (sql: string) => classifyQuery(sql).pin;
  assert.equal(pin('CREATE TEMPORARY TABLE tt (a INT)'), 'temp_table');
  assert.equal(pin('CREATE OR REPLACE TEMPORARY TABLE tt (a INT)'), 'temp_table');
  assert.equal(pin("SELECT GET_LOCK('x', 1)"), 'get_lock');
  assert.equal(pin("DO GET_LOCK('x', 1)"), 'get_lock');
  assert.equal(pin('LOCK TABLES t WRITE'), 'lock_tables');
  assert.equal(pin('FLUSH TABLES WITH READ LOCK'), 'lock_tables');
  assert.equal(classifyQuery('UNLOCK TABLES').unlockTables, true);
  assert.equal(pin('SELECT @x := 5'), 'user_var');
  assert.equal(pin('SELECT c INTO @v FROM t LIMIT 1'), 'user_var');
  assert.equal(pin("PREPARE s FROM 'SELECT 1'"), 'text_prepare');
  assert.equal(pin('EXECUTE s'), 'text_prepare');
  assert.equal(pin('DEALLOCATE PREPARE s'), 'text_prepare');
  assert.equal(pin('HANDLER t OPEN'), 'handler');
  assert.equal(pin("XA START 'x'"), 'xa');
  assert.equal(pin('SET @a = 1; SELECT @a'), 'multi_statement');
  assert.equal(pin('INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)'), undefined, 'plain multi-statement writes do not pin');
  assert.equal(classifyQuery('INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)').multi, true);
  assert.equal(pin('SELECT * FROM t WHERE a = "GET_LOCK(1)"'), undefined);
});

test('the quick plain-SELECT check never disagrees with the lexer', () => {
  // texts that look plain at first sight but are not: the quick check must fall back to the lexer
  for (const sql of [
    'SELECT a FROM t FOR UPDATE',
    'select a from t lock in share mode',
    'SELECT a INTO @x FROM t',
    'SELECT LAST_INSERT_ID()',
    'SELECT FOUND_ROWS()',
    'SELECT @x := 1',
    'SELECT 1; DELETE FROM t',
    'SELECT /*!50000 SQL_CALC_FOUND_ROWS */ a FROM t',
    "SELECT GET_LOCK('a', 1)",
    'SELECT NEXT VALUE FOR s',
    'SELECT @@warning_count',
  ]) {
    assert.notEqual(target(sql), Target.Read, sql);
  }
  assert.equal(target('SELECT c FROM sbtest1 WHERE id=42'), Target.Read);
  assert.equal(target("SELECT 'for' FROM t"), Target.Read, 'a keyword in a string: the lexer decides');
});

test('the causal token is recognised', () => {
  assert.equal(classifyQuery("SET @scaleout_min_gtid = '1-1-5,2-2-9'").minGtid, '1-1-5,2-2-9');
  assert.equal(classifyQuery("SET @scaleout_min_gtid = '1-1-5', @x = 1").minGtid, undefined);
});

test('the lexer is not fooled by strings, escapes, comments and executable comments', () => {
  const t = tokenize("SELECT 'it''s; \\' x', `a;b`, \"q\" -- tail ; x\n, 1 # c;\n/* ; */ FROM t; ");
  assert.equal(splitStatements(t).length, 1);
  assert.deepEqual(
    tokenize('/*!50001 CREATE */ /*M!100101 TEMPORARY */ TABLE x').map((x) => x.text),
    ['CREATE', 'TEMPORARY', 'TABLE', 'X'],
  );
  assert.equal(tokenize("x'4142' @`v` @@SESSION.A ?").map((x) => x.kind).join(','), '2,4,5,7');
  assert.equal(tokenize('unterminated "string').length, 2);
});

test('CONNECTION_ID() and KILL are answered by the proxy (its own connection ids)', () => {
  for (const sql of ['SELECT CONNECTION_ID()', 'select connection_id() as id', 'SELECT CONNECTION_ID() `id`;', "SELECT CONNECTION_ID() AS 'x'"]) {
    assert.deepEqual(classifyQuery(sql).proxy, { kind: 'connection_id' }, sql);
    assert.equal(classifyQuery(sql).target, Target.Read, sql);
  }
  // anything else with CONNECTION_ID() goes to a server (and sees that server's thread id)
  for (const sql of ['SELECT CONNECTION_ID(), 1', 'SELECT CONNECTION_ID() + 0', 'SELECT CONNECTION_ID() AS', 'SELECT IS_USED_LOCK("x") = CONNECTION_ID()']) {
    assert.equal(classifyQuery(sql).proxy, undefined, sql);
  }
  assert.deepEqual(classifyQuery('KILL 5').proxy, { kind: 'kill', query: false, id: 5 });
  assert.deepEqual(classifyQuery('kill connection 16777217').proxy, { kind: 'kill', query: false, id: 16777217 });
  assert.deepEqual(classifyQuery('KILL QUERY 7;').proxy, { kind: 'kill', query: true, id: 7 });
  assert.deepEqual(classifyQuery('KILL HARD QUERY 7').proxy, { kind: 'kill', query: true, id: 7 });
  assert.deepEqual(classifyQuery('KILL SOFT 8').proxy, { kind: 'kill', query: false, id: 8 });
  for (const sql of ['KILL USER app', 'KILL QUERY ID 12', 'KILL (SELECT 1)', 'KILL 99999999999', 'KILL 5 6']) {
    assert.equal(classifyQuery(sql).proxy?.kind, 'unsupported', sql);
  }
  assert.equal(classifyQuery('KILL 5; SELECT 1').proxy, undefined, 'multi-statements go to the writer as before');
});
