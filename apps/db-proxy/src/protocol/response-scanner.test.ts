import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cap, Status } from './constants.js';
import { lenencString } from './lenenc.js';
import { errPayload, framePackets, okPayload, readErr, sessionStateBlock } from './packets.js';
import { ResponseKind, ResponseScanner } from './response-scanner.js';
import { colDef, eofPayload, frameAll, resultSet, textRow } from './test-packets.js';

const CAPS = Cap.PROTOCOL_41 | Cap.SESSION_TRACK;

/** Feeds `wire` split at every possible point into two chunks, and byte by byte; all must agree. */
function scanAllSplits(wire: Buffer, kind: ResponseKind, deprecateEof: boolean, expectEnd = wire.length) {
  const s = new ResponseScanner();
  s.start(kind, CAPS, deprecateEof);
  assert.equal(s.feed(wire), expectEnd, 'whole buffer');
  const status = s.status;
  const limit = Math.min(wire.length, 400);
  for (let cut = 1; cut < limit; cut++) {
    const x = new ResponseScanner();
    x.start(kind, CAPS, deprecateEof);
    const a = x.feed(wire.subarray(0, cut));
    if (a >= 0) {
      assert.equal(a, expectEnd, `split at ${cut}`);
      continue;
    }
    assert.equal(x.feed(wire.subarray(cut)), expectEnd - cut, `split at ${cut}`);
    assert.equal(x.status, status);
  }
  const y = new ResponseScanner();
  y.start(kind, CAPS, deprecateEof);
  let end = -1;
  for (let i = 0; i < wire.length && end < 0; i++) {
    const r = y.feed(wire.subarray(i, i + 1));
    if (r >= 0) end = i + r;
  }
  assert.equal(end, expectEnd, 'byte by byte');
  return s;
}

test('OK and ERR responses end after one packet; status and session state are kept', () => {
  const ok = okPayload({ status: Status.AUTOCOMMIT | Status.IN_TRANS, affectedRows: 3 }, CAPS);
  let s = scanAllSplits(frameAll([ok]), ResponseKind.Query, true);
  assert.equal(s.status, Status.AUTOCOMMIT | Status.IN_TRANS);
  assert.equal(s.stateChanges.length, 0);

  // OK with session state (last_gtid)
  const state = sessionStateBlock({ variables: new Map([['last_gtid', '1-1-42']]) });
  const okState = Buffer.concat([Buffer.from([0, 1, 0]), Buffer.from([0x02 | 0x00, 0x40]), Buffer.from([0, 0]), lenencString(''), lenencString(state)]);
  s = scanAllSplits(frameAll([okState]), ResponseKind.Query, true);
  assert.equal(s.stateChanges.length, 1);

  s = scanAllSplits(frameAll([errPayload(1146, '42S02', "Table 'shop.x' doesn't exist")]), ResponseKind.Query, false);
  assert.equal(s.err?.code, 1146);
  assert.equal(s.err?.sqlState, '42S02');
});

test('text result sets end at the terminator, with and without DEPRECATE_EOF', () => {
  for (const dep of [false, true]) {
    const rows = Array.from({ length: 20 }, (_, i) => [String(i), i % 3 === 0 ? null : 'x'.repeat(i * 7)]);
    const wire = frameAll(resultSet(['id', 'v'], rows, dep, Status.AUTOCOMMIT));
    const s = scanAllSplits(wire, ResponseKind.Query, dep);
    assert.equal(s.status, Status.AUTOCOMMIT);
    assert.equal(s.resultSets, 1);
  }
});

test('a value starting with 0xfe in a row is not mistaken for the terminator', () => {
  // a 300-byte string: lenenc 0xfc prefix; a row whose first byte is 0xfe needs >= 16 MiB and is a continuation case
  for (const dep of [false, true]) {
    const wire = frameAll(resultSet(['v'], [['\u00fe'.repeat(5)], ['y'.repeat(300)]], dep));
    scanAllSplits(wire, ResponseKind.Query, dep);
  }
});

test('multiple result sets (MORE_RESULTS_EXISTS) are followed to the last one', () => {
  for (const dep of [false, true]) {
    const more = Status.AUTOCOMMIT | Status.MORE_RESULTS_EXISTS;
    const first = resultSet(['a'], [['1']], dep, more);
    const second = resultSet(['b'], [['2'], ['3']], dep, more);
    const last = okPayload({ status: Status.AUTOCOMMIT, affectedRows: 1 }, CAPS);
    const wire = frameAll([...first, ...second, last]);
    const s = scanAllSplits(wire, ResponseKind.Query, dep);
    assert.equal(s.resultSets, 2);
    assert.equal(s.status, Status.AUTOCOMMIT);
  }
});

test('an ERR in the middle of the rows ends the response', () => {
  const p = resultSet(['a'], [['1'], ['2']], false);
  p.splice(p.length - 1, 1, errPayload(1317, '70100', 'Query execution was interrupted'));
  const s = scanAllSplits(frameAll(p), ResponseKind.Query, false);
  assert.equal(s.err?.code, 1317);
});

test('COM_STMT_PREPARE responses: parameter and column definitions, with and without EOF', () => {
  for (const dep of [false, true]) {
    const prepOk = Buffer.alloc(12);
    prepOk[0] = 0;
    prepOk.writeUInt32LE(7, 1);
    prepOk.writeUInt16LE(2, 5); // columns
    prepOk.writeUInt16LE(3, 7); // params
    const p = [prepOk, colDef('?'), colDef('?'), colDef('?')];
    if (!dep) p.push(eofPayload(Status.AUTOCOMMIT));
    p.push(colDef('a'), colDef('b'));
    if (!dep) p.push(eofPayload(Status.AUTOCOMMIT));
    const s = scanAllSplits(frameAll(p), ResponseKind.Prepare, dep);
    assert.deepEqual(s.prepare, { stmtId: 7, columns: 2, params: 3 });
  }
  // no params, no columns (e.g. BEGIN)
  const bare = Buffer.alloc(12);
  bare.writeUInt32LE(9, 1);
  const s = scanAllSplits(frameAll([bare]), ResponseKind.Prepare, false);
  assert.deepEqual(s.prepare, { stmtId: 9, columns: 0, params: 0 });
});

test('binary result rows (0x00 header) and a cursor-opening execute', () => {
  const binRow = Buffer.from([0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
  const wire = frameAll([Buffer.from([1]), colDef('a'), eofPayload(Status.AUTOCOMMIT), binRow, binRow, eofPayload(Status.AUTOCOMMIT)]);
  scanAllSplits(wire, ResponseKind.Query, false);
  const cursor = frameAll([Buffer.from([1]), colDef('a'), eofPayload(Status.AUTOCOMMIT | Status.CURSOR_EXISTS)]);
  const s = scanAllSplits(cursor, ResponseKind.Query, false);
  assert.ok(s.status & Status.CURSOR_EXISTS);
  const fetch = frameAll([binRow, eofPayload(Status.AUTOCOMMIT | Status.CURSOR_EXISTS | Status.LAST_ROW_SENT)]);
  scanAllSplits(fetch, ResponseKind.Fetch, false);
});

test('rows of 16 MiB and more (continuation packets) are skipped whatever their bytes', () => {
  const big = Buffer.alloc(0xffffff + 100, 0xfe); // continuation payload starts with 0xfe: must not end the rows
  const row = Buffer.concat([Buffer.from([0xfe]), Buffer.from([0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0]), big]);
  const parts = [Buffer.from([1]), colDef('v'), eofPayload(Status.AUTOCOMMIT), row, eofPayload(Status.AUTOCOMMIT)];
  const wire = frameAll(parts);
  for (const chunk of [65536, 1_000_003]) {
    const s = new ResponseScanner();
    s.start(ResponseKind.Query, CAPS, false);
    let end = -1;
    for (let at = 0; at < wire.length && end < 0; at += chunk) {
      const r = s.feed(wire.subarray(at, at + chunk));
      if (r >= 0) end = at + r;
    }
    assert.equal(end, wire.length);
  }
});

test('single-packet commands, field lists and trailing garbage', () => {
  scanAllSplits(frameAll([Buffer.from('Uptime: 5  Threads: 1')]), ResponseKind.Single, false);
  const fl = frameAll([colDef('a'), colDef('b'), eofPayload(Status.AUTOCOMMIT)]);
  scanAllSplits(fl, ResponseKind.FieldList, false);
  const ok = framePackets(okPayload({ status: 2 }, CAPS), 1);
  const s = new ResponseScanner();
  s.start(ResponseKind.Query, CAPS, false);
  assert.equal(s.feed(Buffer.concat([ok, Buffer.from([1, 0, 0, 2, 0])])), ok.length, 'the end is reported; extra bytes are left to the caller');
});

test('readErr copes with short and 4.0-style error packets', () => {
  assert.deepEqual(readErr(Buffer.from([0xff, 0x15, 0x04, 0x61])), { code: 1045, sqlState: 'HY000', message: 'a' });
  assert.equal(readErr(Buffer.from([0xff])).code, 0);
  assert.equal(textRow(['a']).length, 2);
});

test('MariaDB progress reports before a response are stepped over only when PROGRESS was negotiated', () => {
  const progress = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 1, 1, 2]), Buffer.from([0x10, 0x27, 0x00]), lenencString('copy to tmp table')]);
  const ok = okPayload({ status: Status.AUTOCOMMIT, affectedRows: 3 }, CAPS);
  const wire = frameAll([progress, progress, ok]);
  const s = new ResponseScanner();
  s.start(ResponseKind.Query, CAPS, true, true);
  assert.equal(s.feed(wire), wire.length);
  assert.equal(s.err, undefined);
  assert.equal(s.progressReports, 2);
  assert.equal(s.status, Status.AUTOCOMMIT);
  // without PROGRESS the first 0xff packet is the (error) response
  const plain = new ResponseScanner();
  plain.start(ResponseKind.Query, CAPS, true, false);
  assert.equal(plain.feed(wire), framePackets(progress, 1).length);
  assert.equal(plain.err?.code, 0xffff);
});
