import { ZoneSyntaxError } from './errors.js';

const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;

/**
 * An absolute domain name as a list of labels (raw bytes, case preserved). `key` is the lower-cased wire
 * form as a latin1 string: two names are equal (RFC 4343, ASCII case-insensitive) when their keys are.
 */
export class DomainName {
  readonly labels: readonly Buffer[];
  /** Lower-cased wire form (length-prefixed labels, final zero byte). */
  readonly lowerWire: Buffer;
  /** Wire form with the original case. */
  readonly wire: Buffer;
  readonly key: string;

  private constructor(labels: Buffer[]) {
    this.labels = labels;
    const wire = Buffer.alloc(labels.reduce((n, l) => n + l.length + 1, 1));
    let p = 0;
    for (const l of labels) {
      wire[p++] = l.length;
      l.copy(wire, p);
      p += l.length;
    }
    wire[p] = 0;
    this.wire = wire;
    const lower = Buffer.from(wire);
    lowerAscii(lower);
    this.lowerWire = lower;
    this.key = lower.toString('latin1');
  }

  static readonly root = new DomainName([]);

  static fromLabels(labels: readonly Buffer[]): DomainName {
    let len = 1;
    for (const l of labels) {
      if (l.length === 0 || l.length > MAX_LABEL) throw new ZoneSyntaxError(`label of ${l.length} bytes (1-${MAX_LABEL} allowed)`);
      len += l.length + 1;
    }
    if (len > MAX_NAME_WIRE) throw new ZoneSyntaxError(`name of ${len} bytes in wire form (at most ${MAX_NAME_WIRE})`);
    return new DomainName(labels.map((l) => Buffer.from(l)));
  }

  /**
   * Parses presentation format: `www.example.com.` (absolute), `www` (relative to `origin`), `@` (the
   * origin), with `\.`, `\\` and `\DDD` escapes. A relative name without an origin is an error.
   */
  static parse(text: string, origin?: DomainName): DomainName {
    if (text === '@') {
      if (!origin) throw new ZoneSyntaxError('"@" used without an origin');
      return origin;
    }
    if (text === '.') return DomainName.root;
    if (text === '') throw new ZoneSyntaxError('empty name');
    const labels: Buffer[] = [];
    let current: number[] = [];
    let absolute = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x5c /* \ */) {
        const d = /^\d{3}/.exec(text.slice(i + 1, i + 4));
        if (d) {
          const v = Number(d[0]);
          if (v > 255) throw new ZoneSyntaxError(`bad escape \\${d[0]} in name ${JSON.stringify(text)}`);
          current.push(v);
          i += 3;
        } else if (i + 1 < text.length) {
          current.push(text.charCodeAt(++i) & 0xff);
        } else {
          throw new ZoneSyntaxError(`dangling backslash in name ${JSON.stringify(text)}`);
        }
      } else if (ch === 0x2e /* . */) {
        if (current.length === 0) throw new ZoneSyntaxError(`empty label in name ${JSON.stringify(text)}`);
        labels.push(Buffer.from(current));
        current = [];
        if (i === text.length - 1) absolute = true;
      } else {
        if (ch > 0x7e || ch < 0x21) throw new ZoneSyntaxError(`character ${JSON.stringify(text[i])} in name ${JSON.stringify(text)}`);
        current.push(ch);
      }
    }
    if (current.length > 0) labels.push(Buffer.from(current));
    if (!absolute) {
      if (!origin) throw new ZoneSyntaxError(`relative name ${JSON.stringify(text)} without an origin`);
      labels.push(...origin.labels);
    }
    return DomainName.fromLabels(labels);
  }

  /** Reads a name from wire data (no compression pointers: used for tests and admin input only). */
  static fromWire(buf: Uint8Array, offset = 0): DomainName {
    const labels: Buffer[] = [];
    let p = offset;
    for (;;) {
      const l = buf[p];
      if (l === undefined) throw new ZoneSyntaxError('name runs past the end of the data');
      if (l === 0) break;
      if (l > MAX_LABEL) throw new ZoneSyntaxError('compressed or extended label');
      labels.push(Buffer.from(buf.subarray(p + 1, p + 1 + l)));
      p += l + 1;
    }
    return DomainName.fromLabels(labels);
  }

  get labelCount(): number {
    return this.labels.length;
  }

  equals(other: DomainName): boolean {
    return this.key === other.key;
  }

  /** True when this name is `other` or below it. */
  isWithin(other: DomainName): boolean {
    const n = other.labels.length;
    if (n > this.labels.length) return false;
    return this.key.endsWith(other.key) && (n === this.labels.length || this.suffixOffset(n) === this.wire.length - other.wire.length);
  }

  /** Byte offset, inside the wire form, of the suffix made of the last `n` labels. */
  suffixOffset(n: number): number {
    let p = 0;
    for (let i = 0; i < this.labels.length - n; i++) p += this.labels[i]!.length + 1;
    return p;
  }

  /** The name without its first label (the root stays the root). */
  parent(): DomainName {
    return this.labels.length === 0 ? this : new DomainName(this.labels.slice(1) as Buffer[]);
  }

  /** The last `n` labels as a name. */
  suffix(n: number): DomainName {
    return new DomainName(this.labels.slice(this.labels.length - n) as Buffer[]);
  }

  /** `label.` + this name. */
  child(label: string): DomainName {
    return DomainName.fromLabels([Buffer.from(label, 'latin1'), ...this.labels]);
  }

  /** Presentation format, absolute (with the final dot), special bytes escaped. */
  toString(): string {
    if (this.labels.length === 0) return '.';
    return this.labels.map(escapeLabel).join('.') + '.';
  }

  /** Presentation format without the final dot (root is `.`), as used in admin JSON and metric labels. */
  toDisplay(): string {
    const s = this.toString();
    return s === '.' ? s : s.slice(0, -1);
  }
}

function escapeLabel(label: Buffer): string {
  let out = '';
  for (const b of label) {
    if (b === 0x2e || b === 0x5c || b === 0x22 || b === 0x28 || b === 0x29 || b === 0x3b || b === 0x40 || b === 0x24) {
      out += '\\' + String.fromCharCode(b);
    } else if (b < 0x21 || b > 0x7e) {
      out += '\\' + String(b).padStart(3, '0');
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

/** Lower-cases ASCII A-Z in place (RFC 4343: only ASCII letters fold). */
export function lowerAscii(buf: Uint8Array, start = 0, end = buf.length): void {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) buf[i] = c | 0x20;
  }
}
