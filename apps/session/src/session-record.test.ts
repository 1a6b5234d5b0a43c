import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOMBSTONE, decodeRecord, encodeRecord, expiresAtOf, isExpired, toView, type SessionRecord } from './session-record.js';

const rec: SessionRecord = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  version: 3,
  data: { cart: [1, 2] },
  createdAt: 1_000,
  idleExpiresAt: 5_000,
  absoluteExpiresAt: 9_000,
};

test('records round-trip through JSON; tombstones and foreign values are told apart', () => {
  assert.deepEqual(decodeRecord(Buffer.from(encodeRecord(rec))), rec);
  assert.equal(decodeRecord(TOMBSTONE), 'tombstone');
  for (const junk of ['', 'nope', '[]', 'null', '{"id":1}', '{"id":"x","version":1.5,"data":{},"createdAt":1,"idleExpiresAt":1,"absoluteExpiresAt":1}', JSON.stringify({ ...rec, data: [1] })]) {
    assert.equal(decodeRecord(junk), null, junk);
  }
});

test('a session expires at the earlier of its idle and absolute expiry', () => {
  assert.equal(expiresAtOf(rec), 5_000);
  assert.equal(expiresAtOf({ ...rec, idleExpiresAt: 10_000 }), 9_000);
  assert.equal(isExpired(rec, 4_999), false);
  assert.equal(isExpired(rec, 5_000), true);
  assert.deepEqual(toView(rec), { id: rec.id, version: 3, data: rec.data, expiresAt: new Date(5_000).toISOString() });
});
