// Building and reading the generic packets (OK, ERR, EOF) and framing payloads into packets.
import { Cap, MAX_PACKET_PAYLOAD, SessionTrack, Status } from './constants.js';
import { lenencSize, lenencString, Reader, writeLenenc } from './lenenc.js';

/**
 * Frames a payload as one or more packets starting at sequence id `seq` (payloads of 16 MiB - 1 or more
 * are split; a payload whose length is a multiple of 16 MiB - 1 ends with an empty packet).
 */
export function framePackets(payload: Buffer, seq: number): Buffer {
  if (payload.length < MAX_PACKET_PAYLOAD) {
    const out = Buffer.allocUnsafe(4 + payload.length);
    out.writeUIntLE(payload.length, 0, 3);
    out[3] = seq & 0xff;
    payload.copy(out, 4);
    return out;
  }
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const n = Math.min(MAX_PACKET_PAYLOAD, payload.length - off);
    const head = Buffer.allocUnsafe(4);
    head.writeUIntLE(n, 0, 3);
    head[3] = seq++ & 0xff;
    parts.push(head, payload.subarray(off, off + n));
    off += n;
    if (n < MAX_PACKET_PAYLOAD) break;
  }
  return Buffer.concat(parts);
}

/** The sequence id that follows a framed payload that started at `seq`. */
export function nextSeq(payloadLength: number, seq: number): number {
  return (seq + Math.floor(payloadLength / MAX_PACKET_PAYLOAD) + 1) & 0xff;
}

export interface OkFields {
  affectedRows?: number;
  insertId?: number;
  status: number;
  warnings?: number;
  info?: string;
}

/** OK packet payload as the client (with capabilities `caps`) expects it. `header` 0xfe for a DEPRECATE_EOF result terminator. */
export function okPayload(f: OkFields, caps: number, header = 0x00): Buffer {
  const info = Buffer.from(f.info ?? '', 'utf8');
  const affected = f.affectedRows ?? 0;
  const insertId = f.insertId ?? 0;
  const track = (caps & Cap.SESSION_TRACK) !== 0;
  const size = 1 + lenencSize(affected) + lenencSize(insertId) + 4 + (track ? (info.length > 0 ? lenencSize(info.length) + info.length : 0) : info.length);
  const out = Buffer.alloc(size);
  out[0] = header;
  let at = writeLenenc(out, 1, affected);
  at = writeLenenc(out, at, insertId);
  out.writeUInt16LE(f.status & ~Status.SESSION_STATE_CHANGED & 0xffff, at);
  out.writeUInt16LE(f.warnings ?? 0, at + 2);
  at += 4;
  if (track) {
    if (info.length > 0) {
      at = writeLenenc(out, at, info.length);
      info.copy(out, at);
    }
  } else {
    info.copy(out, at);
  }
  return out;
}

/** ERR packet payload (protocol 4.1 form with SQL state). */
export function errPayload(code: number, sqlState: string, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  const out = Buffer.allocUnsafe(9 + msg.length);
  out[0] = 0xff;
  out.writeUInt16LE(code, 1);
  out[3] = 0x23; // '#'
  out.write((sqlState + '00000').slice(0, 5), 4, 'latin1');
  msg.copy(out, 9);
  return out;
}

/** Classic EOF packet payload. */
export function eofPayload(status: number, warnings = 0): Buffer {
  const out = Buffer.allocUnsafe(5);
  out[0] = 0xfe;
  out.writeUInt16LE(warnings, 1);
  out.writeUInt16LE(status, 3);
  return out;
}

export interface OkPacket {
  affectedRows: number;
  insertId: number;
  status: number;
  warnings: number;
  /** Session state changes, present when SESSION_STATE_CHANGED is set and the connection tracks sessions. */
  sessionState?: Buffer;
}

/** Reads an OK packet (header 0x00, or 0xfe as a DEPRECATE_EOF terminator). */
export function readOk(payload: Buffer, caps: number): OkPacket {
  const r = new Reader(payload, 1);
  const affectedRows = r.lenenc();
  const insertId = r.lenenc();
  const status = r.u16();
  const warnings = r.u16();
  let sessionState: Buffer | undefined;
  if ((caps & Cap.SESSION_TRACK) !== 0 && r.remaining > 0) {
    r.lenencBytes(); // info
    if ((status & Status.SESSION_STATE_CHANGED) !== 0 && r.remaining > 0) sessionState = r.lenencBytes();
  }
  return { affectedRows, insertId, status, warnings, sessionState };
}

/** Status flags of a classic EOF packet (0xfe, warnings, status). */
export function readEofStatus(payload: Buffer): number {
  return payload.length >= 5 ? payload.readUInt16LE(3) : 0;
}

export interface ErrPacket {
  code: number;
  sqlState: string;
  message: string;
}

export function readErr(payload: Buffer): ErrPacket {
  if (payload.length < 3) return { code: 0, sqlState: 'HY000', message: '' };
  const code = payload.readUInt16LE(1);
  if (payload[3] === 0x23 && payload.length >= 9) {
    return { code, sqlState: payload.toString('latin1', 4, 9), message: payload.toString('utf8', 9) };
  }
  return { code, sqlState: 'HY000', message: payload.toString('utf8', 3) };
}

/** What the proxy takes from session-state changes. */
export interface SessionChanges {
  /** New default schema (USE). */
  schema?: string;
  /** Tracked system variables that changed (e.g. last_gtid, autocommit). */
  variables?: Map<string, string>;
}

/** Parses the session-state-change block of an OK packet; unknown entry types are skipped. */
export function readSessionState(state: Buffer): SessionChanges {
  const out: SessionChanges = {};
  const r = new Reader(state);
  while (r.remaining > 0) {
    const type = r.u8();
    const len = r.lenenc();
    const end = r.pos + len;
    if (end > r.end) throw new RangeError('session state entry past end');
    const entry = new Reader(state, r.pos, end);
    if (type === SessionTrack.SYSTEM_VARIABLES) {
      const name = entry.lenencString();
      const value = entry.lenencString();
      (out.variables ??= new Map()).set(name.toLowerCase(), value);
    } else if (type === SessionTrack.SCHEMA) {
      out.schema = entry.lenencString();
    }
    r.pos = end;
  }
  return out;
}

/** Builds a session-state block (for tests and local answers). */
export function sessionStateBlock(changes: SessionChanges): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of changes.variables ?? []) {
    const body = Buffer.concat([lenencString(name), lenencString(value)]);
    parts.push(Buffer.from([SessionTrack.SYSTEM_VARIABLES]), lenencString(body));
  }
  if (changes.schema !== undefined) {
    parts.push(Buffer.from([SessionTrack.SCHEMA]), lenencString(lenencString(changes.schema)));
  }
  return Buffer.concat(parts);
}
