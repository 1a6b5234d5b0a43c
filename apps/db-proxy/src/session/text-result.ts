import { Reader } from '../protocol/lenenc.js';

/** Splits a raw response (headers included) into packet payloads. */
export function packetsOf(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 4 <= raw.length) {
    const n = raw.readUIntLE(at, 3);
    out.push(raw.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/**
 * The first column of the first row of a text result set (what the proxy's own one-value queries
 * return); null for SQL NULL, undefined when there is no row.
 */
export function firstTextValue(raw: Buffer, deprecateEof: boolean): string | null | undefined {
  const packets = packetsOf(raw);
  if (packets.length === 0 || packets[0]![0] === 0x00 || packets[0]![0] === 0xff) return undefined;
  const columns = new Reader(packets[0]!).lenenc();
  const rowAt = 1 + columns + (deprecateEof ? 0 : 1);
  const row = packets[rowAt];
  if (!row || row[0] === 0xfe || row[0] === 0xff) return undefined;
  const v = new Reader(row).lenencBytes();
  return v === undefined ? null : v.toString('utf8');
}
