import { lenencString } from '../protocol/lenenc.js';
import { framePackets, nextSeq } from '../protocol/packets.js';
import { packetsOf } from './text-result.js';

/**
 * A one-column, one-row result of `SELECT CONNECTION_ID()` (text or binary protocol, raw response as
 * the server sent it) with the value replaced by `id`. Column definitions (and their MariaDB extended
 * metadata) stay the server's. Anything of another shape is returned unchanged.
 */
export function withConnectionId(raw: Buffer, id: number, deprecateEof: boolean, binary: boolean): Buffer {
  const packets = packetsOf(raw);
  const head = packets[0];
  if (!head || head.length !== 1 || head[0] !== 1) return raw;
  const rowAt = 2 + (deprecateEof ? 0 : 1);
  const row = packets[rowAt];
  if (!row || rowAt + 2 !== packets.length) return raw;
  if (binary) {
    // 0x00, NULL bitmap (1 byte for one column), then a LONGLONG (8 bytes) or LONG (4 bytes)
    if (row[0] !== 0x00 || (row.length !== 10 && row.length !== 6)) return raw;
    const b = Buffer.from(row);
    if (b.length === 10) b.writeBigUInt64LE(BigInt(id), 2);
    else b.writeUInt32LE(id >>> 0, 2);
    packets[rowAt] = b;
  } else {
    if (row[0] === 0xfb || row[0] === 0xfe || row[0] === 0xff) return raw;
    packets[rowAt] = lenencString(String(id));
  }
  const out: Buffer[] = [];
  let seq = 1;
  for (const p of packets) {
    out.push(framePackets(p, seq));
    seq = nextSeq(p.length, seq);
  }
  return Buffer.concat(out);
}
