// Micro-benchmarks of the hot protocol code: cutting client commands, walking backend responses.
//   npx tsx apps/db-proxy/bench/codec.bench.ts
import { Cap, Status } from '../src/protocol/constants.js';
import { PacketReader } from '../src/protocol/packet-reader.js';
import { framePackets, okPayload } from '../src/protocol/packets.js';
import { ResponseKind, ResponseScanner } from '../src/protocol/response-scanner.js';
import { frameAll, resultSet } from '../src/protocol/test-packets.js';
import { opsPerSecond, report } from './bench-util.js';

const caps = Cap.PROTOCOL_41 | Cap.SESSION_TRACK;
const pointSelect = frameAll(resultSet(['c'], [['x'.repeat(120)]], true, Status.AUTOCOMMIT));
const range100 = frameAll(resultSet(['c'], Array.from({ length: 100 }, () => ['y'.repeat(120)]), true, Status.AUTOCOMMIT));
const ok = framePackets(okPayload({ status: Status.AUTOCOMMIT, affectedRows: 1 }, caps), 1);
const query = framePackets(Buffer.from('\x03SELECT c FROM sbtest1 WHERE id=4711'), 0);

const scanner = new ResponseScanner();
const scan = (wire: Buffer) => () => {
  scanner.start(ResponseKind.Query, caps, true);
  if (scanner.feed(wire) !== wire.length) throw new Error('did not end');
};
// the same range result arriving in 1460-byte segments
const segments: Buffer[] = [];
for (let at = 0; at < range100.length; at += 1460) segments.push(range100.subarray(at, at + 1460));
const reader = new PacketReader(64 << 20);

report([
  { name: 'scan OK packet', ops: opsPerSecond(scan(ok)) },
  { name: 'scan point-select result (1 row)', ops: opsPerSecond(scan(pointSelect)) },
  { name: 'scan range result (100 rows, 1 chunk)', ops: opsPerSecond(scan(range100)) },
  {
    name: 'scan range result (100 rows, 1460-byte chunks)',
    ops: opsPerSecond(() => {
      scanner.start(ResponseKind.Query, caps, true);
      for (const s of segments) scanner.feed(s);
    }),
  },
  {
    name: 'cut a COM_QUERY from the client stream',
    ops: opsPerSecond(() => {
      reader.push(query);
      reader.next();
    }),
  },
]);
