import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GtidParseError, GtidPosition, parseGtid } from './index.js';

test('parseGtid reads domain-server-seq with 64-bit sequence numbers', () => {
  assert.deepEqual(parseGtid('0-1-10'), { domain: 0, server: 1, seq: 10n });
  assert.equal(parseGtid('2-4294967295-18446744073709551615').seq, 18446744073709551615n);
  for (const bad of ['', '1-2', '1-2-x', '-1-2-3', '1-2-3-4', '4294967296-1-1']) {
    assert.throws(() => parseGtid(bad), GtidParseError, bad);
  }
});

test('positions: parse, contains, merge, behind, canonical text', () => {
  const a = GtidPosition.parse('2-2-5, 1-1-10');
  assert.equal(a.toString(), '1-1-10,2-2-5');
  assert.ok(a.contains(GtidPosition.parse('1-1-9')));
  assert.ok(a.contains(GtidPosition.parse('1-1-10,2-2-5')));
  assert.ok(!a.contains(GtidPosition.parse('1-1-11')));
  assert.ok(!a.contains(GtidPosition.parse('3-3-1')), 'a domain we have never seen is not contained');
  assert.ok(a.contains(GtidPosition.EMPTY));
  assert.ok(GtidPosition.parse('').isEmpty);
  assert.equal(a.merge(GtidPosition.parse('1-1-12,3-3-1')).toString(), '1-1-12,2-2-5,3-3-1');
  assert.equal(GtidPosition.parse('1-1-8').behind(a), 2n + 5n);
  assert.ok(a.equals(GtidPosition.parse('1-1-10,2-2-5')));
  assert.ok(!a.equals(GtidPosition.parse('1-1-10')));
});

test('notIn and withoutDomains give what is still to wait for', () => {
  const need = GtidPosition.parse('1-1-10,2-2-5');
  assert.equal(need.notIn(GtidPosition.parse('1-1-10')).toString(), '2-2-5');
  assert.equal(need.notIn(GtidPosition.parse('1-1-9,2-2-9')).toString(), '1-1-10');
  assert.ok(need.notIn(need).isEmpty);
  assert.equal(need.withoutDomains([2]).toString(), '1-1-10');
  assert.equal(need.withoutDomains([3]), need);
});
