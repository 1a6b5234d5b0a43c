// Length-encoded integers and strings (Protocol::LengthEncodedInteger / LengthEncodedString).

/** A cursor over a payload; reading past the end throws RangeError (malformed packet). */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`packet too short: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.#need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  skip(n: number): void {
    this.#need(n);
    this.pos += n;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Length-encoded integer; returns a number (values above 2^53 lose precision, never used for lengths here). */
  lenenc(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      this.#need(3);
      const v = this.buf.readUIntLE(this.pos, 3);
      this.pos += 3;
      return v;
    }
    if (first === 0xfe) {
      this.#need(8);
      const v = Number(this.buf.readBigUInt64LE(this.pos));
      this.pos += 8;
      return v;
    }
    throw new RangeError(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  /** Length-encoded string as bytes; undefined for the NULL marker 0xfb. */
  lenencBytes(): Buffer | undefined {
    if (this.buf[this.pos] === 0xfb) {
      this.pos++;
      return undefined;
    }
    return this.bytes(this.lenenc());
  }

  lenencString(): string {
    return this.lenencBytes()?.toString('utf8') ?? '';
  }

  /** NUL-terminated string (to the end when there is no NUL). */
  nulString(): string {
    let i = this.pos;
    while (i < this.end && this.buf[i] !== 0) i++;
    const s = this.buf.toString('utf8', this.pos, i);
    this.pos = Math.min(i + 1, this.end);
    return s;
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return b;
  }
}

/** Size in bytes of the length-encoded form of n. */
export function lenencSize(n: number): number {
  return n < 0xfb ? 1 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 9;
}

/** Writes n length-encoded at `at`; returns the position after it. */
export function writeLenenc(buf: Buffer, at: number, n: number): number {
  if (n < 0xfb) {
    buf[at] = n;
    return at + 1;
  }
  if (n < 0x10000) {
    buf[at] = 0xfc;
    buf.writeUInt16LE(n, at + 1);
    return at + 3;
  }
  if (n < 0x1000000) {
    buf[at] = 0xfd;
    buf.writeUIntLE(n, at + 1, 3);
    return at + 4;
  }
  buf[at] = 0xfe;
  buf.writeBigUInt64LE(BigInt(n), at + 1);
  return at + 9;
}

/** Encodes a length-encoded string. */
export function lenencString(s: string | Buffer): Buffer {
  const body = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const out = Buffer.allocUnsafe(lenencSize(body.length) + body.length);
  const at = writeLenenc(out, 0, body.length);
  body.copy(out, at);
  return out;
}
