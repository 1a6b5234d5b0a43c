import { DnsClass, RRType } from './dns-constants.js';
import type { DomainName } from './domain-name.js';
import type { RecordData } from './record-data.js';

const MAX_POINTER = 0x3fff;

/**
 * Writes DNS wire data for answer templates (never on the per-query path). Offsets are absolute
 * message offsets (`base` is where byte 0 of this writer lands in the message), so names can be
 * compressed against the question (which always starts at offset 12) and against earlier records.
 */
export class WireWriter {
  #buf = Buffer.alloc(256);
  #pos = 0;
  readonly base: number;
  readonly #names: Map<string, number>;
  /** When false, names written are not remembered as compression targets (rotating records). */
  remember = true;

  constructor(base: number, names: Map<string, number> = new Map()) {
    this.base = base;
    this.#names = names;
  }

  /** A writer starting where this one ends, sharing a copy of its compression table. */
  continueAt(extraOffset = 0): WireWriter {
    return new WireWriter(this.base + this.#pos + extraOffset, new Map(this.#names));
  }

  /** Registers `name` (and all its suffixes) as present at absolute offset `at` (e.g. the question). */
  seedName(name: DomainName, at: number): void {
    let offset = at;
    for (let i = 0; i < name.labels.length; i++) {
      const key = name.suffix(name.labels.length - i).key;
      if (offset <= MAX_POINTER && !this.#names.has(key)) this.#names.set(key, offset);
      offset += name.labels[i]!.length + 1;
    }
  }

  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  u8(v: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = v;
  }

  u16(v: number): void {
    this.#ensure(2);
    this.#buf.writeUInt16BE(v, this.#pos);
    this.#pos += 2;
  }

  u32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v >>> 0, this.#pos);
    this.#pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Writes a name, ending in a compression pointer to an earlier copy of its longest known suffix. */
  name(name: DomainName, compress: boolean): void {
    const n = name.labels.length;
    for (let i = 0; i < n; i++) {
      const key = name.suffix(n - i).key;
      if (compress) {
        const at = this.#names.get(key);
        if (at !== undefined) {
          this.u16(0xc000 | at);
          return;
        }
      }
      const here = this.base + this.#pos;
      if (this.remember && here <= MAX_POINTER && !this.#names.has(key)) this.#names.set(key, here);
      const label = name.labels[i]!;
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  /** One resource record; the owner is compressed, and so are names inside NS/CNAME/PTR/MX/SOA RDATA. */
  record(owner: DomainName, ttl: number, data: RecordData): void {
    this.name(owner, true);
    this.u16(RRType[data.type]);
    this.u16(DnsClass.IN);
    this.u32(ttl);
    const lenAt = this.#pos;
    this.u16(0);
    const start = this.#pos;
    switch (data.type) {
      case 'A':
      case 'AAAA':
        this.bytes(data.ip.bytes);
        break;
      case 'NS':
      case 'CNAME':
      case 'PTR':
        this.name(data.target, true);
        break;
      case 'MX':
        this.u16(data.preference);
        this.name(data.exchange, true);
        break;
      case 'SOA':
        this.name(data.mname, true);
        this.name(data.rname, true);
        this.u32(data.serial);
        this.u32(data.refresh);
        this.u32(data.retry);
        this.u32(data.expire);
        this.u32(data.minimum);
        break;
      case 'SRV':
        // RFC 2782: the SRV target is never compressed.
        this.u16(data.priority);
        this.u16(data.weight);
        this.u16(data.port);
        this.name(data.target, false);
        break;
      case 'TXT':
        for (const s of data.strings) {
          this.u8(s.length);
          this.bytes(s);
        }
        break;
    }
    this.#buf.writeUInt16BE(this.#pos - start, lenAt);
  }

  /** A copy of the bytes written. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }
}
