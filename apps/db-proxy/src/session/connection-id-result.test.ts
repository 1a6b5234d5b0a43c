import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cap, Status } from '../protocol/constants.js';
import { errPayload, eofPayload, frameAll, okPayload, resultSet } from '../protocol/test-packets.js';
import { withConnectionId } from './connection-id-result.js';
import { firstTextValue, packetsOf } from './text-result.js';

test('a CONNECTION_ID() result gets the proxy id; column definitions and terminator stay the server\'s', () => {
  for (const deprecateEof of [true, false]) {
    const raw = frameAll(resultSet(['CONNECTION_ID()'], [['17']], deprecateEof, Status.AUTOCOMMIT | Status.IN_TRANS));
    const out = withConnectionId(raw, 16777221, deprecateEof, false);
    assert.equal(firstTextValue(out, deprecateEof), '16777221');
    const a = packetsOf(raw);
    const b = packetsOf(out);
    assert.equal(b.length, a.length);
    assert.ok(b[1]!.equals(a[1]!), 'column definition unchanged');
    assert.ok(b[b.length - 1]!.equals(a[a.length - 1]!), 'terminator unchanged');
    assert.deepEqual([...out].slice(3, 4), [1], 'sequence ids from 1');
  }
  // binary protocol: 0x00, NULL bitmap, LONGLONG
  const row = Buffer.alloc(10);
  row.writeBigUInt64LE(17n, 2);
  const head = resultSet(['id'], [], false);
  const binRaw = frameAll([head[0]!, head[1]!, eofPayload(Status.AUTOCOMMIT), row, eofPayload(Status.AUTOCOMMIT)]);
  const bin = packetsOf(withConnectionId(binRaw, 33554433, false, true));
  assert.equal(bin[3]!.readBigUInt64LE(2), 33554433n);
  // other shapes are left alone
  const err = frameAll([errPayload(1146, '42S02', 'nope')]);
  assert.equal(withConnectionId(err, 5, true, false), err);
  const ok = frameAll([okPayload({ status: Status.AUTOCOMMIT }, Cap.SESSION_TRACK)]);
  assert.equal(withConnectionId(ok, 5, true, false), ok);
  const two = frameAll(resultSet(['a'], [['1'], ['2']], true));
  assert.equal(withConnectionId(two, 5, true, false), two);
});
