import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionHistory } from './session-history.js';
import { parseUsers } from './user-store.js';

test('history keeps the latest command per key, in order, and refuses to grow past its bound', () => {
  const h = new SessionHistory(3);
  const p = (s: string) => Buffer.from(s);
  assert.ok(h.record('autocommit', p('SET autocommit=0')));
  assert.ok(h.record('names', p('SET NAMES latin1')));
  assert.ok(h.record('autocommit', p('SET autocommit=1')));
  assert.deepEqual(
    h.since(0).map((e) => e.payload.toString()),
    ['SET NAMES latin1', 'SET autocommit=1'],
  );
  const seq = h.lastSeq;
  assert.ok(h.record('@a', p('SET @a=1')));
  assert.deepEqual(
    h.since(seq).map((e) => e.key),
    ['@a'],
  );
  assert.equal(h.record('@b', p('SET @b=1')), false, 'a fourth distinct key does not fit');
  assert.ok(h.record('@a', p('SET @a=2')), 'replacing an existing key still works');
  assert.equal(h.size, 3);
});

test('users: plain passwords, stored hashes, empty passwords, bad input', () => {
  const u = parseUsers('app:app, report:*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3,nopw:');
  assert.deepEqual(
    u.map((x) => x.user),
    ['app', 'report', 'nopw'],
  );
  assert.ok(u[0]!.hash!.equals(u[1]!.hash!));
  assert.equal(u[2]!.hash, undefined);
  assert.throws(() => parseUsers('nocolon'), RangeError);
  assert.throws(() => parseUsers(' , '), RangeError);
});
