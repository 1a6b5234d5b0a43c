// memcached binary protocol constants and request framing (the parts memjs does not expose: the CAS
// field of the request header, quiet multi-get, stats). Layout: a 24-byte header (magic, opcode, key
// length, extras length, data type, vbucket/status, total body length, opaque, cas), then extras, key
// and value.

export const REQUEST_MAGIC = 0x80;
export const RESPONSE_MAGIC = 0x81;

export const Op = {
  get: 0x00,
  set: 0x01,
  add: 0x02,
  replace: 0x03,
  delete: 0x04,
  noop: 0x0a,
  version: 0x0b,
  getkq: 0x0d,
  stat: 0x10,
  touch: 0x1c,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const Status = {
  ok: 0x00,
  keyNotFound: 0x01,
  keyExists: 0x02,
  valueTooLarge: 0x03,
  invalidArguments: 0x04,
  notStored: 0x05,
} as const;

const EMPTY = Buffer.alloc(0);

/** Builds one request frame; `cas` (8 bytes) goes into the header when given. */
export function frame(
  opcode: number,
  opaque: number,
  key: Buffer = EMPTY,
  extras: Buffer = EMPTY,
  value: Buffer = EMPTY,
  cas?: Buffer,
): Buffer {
  const body = extras.length + key.length + value.length;
  const buf = Buffer.allocUnsafe(24 + body);
  buf.writeUInt8(REQUEST_MAGIC, 0);
  buf.writeUInt8(opcode, 1);
  buf.writeUInt16BE(key.length, 2);
  buf.writeUInt8(extras.length, 4);
  buf.writeUInt8(0, 5);
  buf.writeUInt16BE(0, 6);
  buf.writeUInt32BE(body, 8);
  buf.writeUInt32BE(opaque >>> 0, 12);
  if (cas) cas.copy(buf, 16, 0, 8);
  else buf.fill(0, 16, 24);
  extras.copy(buf, 24);
  key.copy(buf, 24 + extras.length);
  value.copy(buf, 24 + extras.length + key.length);
  return buf;
}

/** Extras of set/add/replace: 32-bit flags and 32-bit exptime. */
export function storeExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.allocUnsafe(8);
  extras.writeUInt32BE(flags >>> 0, 0);
  extras.writeUInt32BE(exptime >>> 0, 4);
  return extras;
}

/** Extras of touch: 32-bit exptime. */
export function touchExtras(exptime: number): Buffer {
  const extras = Buffer.allocUnsafe(4);
  extras.writeUInt32BE(exptime >>> 0, 0);
  return extras;
}

/** Human name of a response status (for error messages). */
export function statusText(status: number): string {
  switch (status) {
    case 0x00: return 'no error';
    case 0x01: return 'key not found';
    case 0x02: return 'key exists';
    case 0x03: return 'value too large';
    case 0x04: return 'invalid arguments';
    case 0x05: return 'item not stored';
    case 0x06: return 'incr/decr on a non-numeric value';
    case 0x81: return 'unknown command';
    case 0x82: return 'out of memory';
    case 0x83: return 'not supported';
    case 0x84: return 'internal error';
    case 0x85: return 'busy';
    case 0x86: return 'temporary failure';
    default: return `status 0x${status.toString(16)}`;
  }
}
