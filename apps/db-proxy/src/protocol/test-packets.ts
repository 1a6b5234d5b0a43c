// Builders of server responses for unit tests and micro-benchmarks.
import { Status } from './constants.js';
import { lenencString } from './lenenc.js';
import { eofPayload, errPayload, framePackets, nextSeq, okPayload } from './packets.js';
import { Cap } from './constants.js';

export function colDef(name: string): Buffer {
  return Buffer.concat([
    lenencString('def'),
    lenencString('shop'),
    lenencString('t'),
    lenencString('t'),
    lenencString(name),
    lenencString(name),
    Buffer.from([0x0c, 0x21, 0x00, 0xff, 0xff, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00]),
  ]);
}

export function textRow(values: (string | null)[]): Buffer {
  return Buffer.concat(values.map((v) => (v === null ? Buffer.from([0xfb]) : lenencString(v))));
}

/** Frames payloads as consecutive packets starting at seq. */
export function frameAll(payloads: Buffer[], seq = 1): Buffer {
  const out: Buffer[] = [];
  for (const p of payloads) {
    const f = framePackets(p, seq);
    seq = nextSeq(p.length, seq);
    out.push(f);
  }
  return Buffer.concat(out);
}

/** A text result set: column count, definitions, [EOF], rows, terminator. */
export function resultSet(columns: string[], rows: (string | null)[][], deprecateEof: boolean, status: number = Status.AUTOCOMMIT): Buffer[] {
  const p: Buffer[] = [Buffer.from([columns.length]), ...columns.map(colDef)];
  if (!deprecateEof) p.push(eofPayload(status));
  for (const r of rows) p.push(textRow(r));
  p.push(deprecateEof ? okPayload({ status }, Cap.SESSION_TRACK, 0xfe) : eofPayload(status));
  return p;
}

export { okPayload, errPayload, eofPayload };
