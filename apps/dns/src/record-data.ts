import { RRType } from './dns-constants.js';
import { DomainName } from './domain-name.js';
import { ZoneSyntaxError } from './errors.js';
import { parseIp, type IpAddress } from './ip-address.js';

/** The data of one resource record, by type. */
export type RecordData =
  | { type: 'A'; ip: IpAddress }
  | { type: 'AAAA'; ip: IpAddress }
  | { type: 'NS'; target: DomainName }
  | { type: 'CNAME'; target: DomainName }
  | { type: 'PTR'; target: DomainName }
  | { type: 'MX'; preference: number; exchange: DomainName }
  | {
      type: 'SOA';
      mname: DomainName;
      rname: DomainName;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: DomainName }
  | { type: 'TXT'; strings: Buffer[] };

export type RecordTypeName = RecordData['type'];

/** A token of master-file text: quoted strings keep their spaces and escapes are resolved. */
export interface Token {
  text: string;
  /** Bytes of a quoted string (escapes resolved); undefined for bare tokens. */
  bytes?: Buffer;
  quoted: boolean;
}

export function typeNumberOf(data: RecordData): number {
  return RRType[data.type];
}

/** Parses the RDATA tokens of one record; names are relative to `origin`. */
export function parseRecordData(type: RecordTypeName, tokens: readonly Token[], origin: DomainName | undefined): RecordData {
  const need = (n: number, what: string) => {
    if (tokens.length !== n) throw new ZoneSyntaxError(`${type} needs ${what} (got ${tokens.length} field${tokens.length === 1 ? '' : 's'})`);
  };
  const name = (i: number) => DomainName.parse(bare(tokens[i]!), origin);
  switch (type) {
    case 'A':
    case 'AAAA': {
      need(1, 'one address');
      const ip = parseIp(bare(tokens[0]!));
      if (!ip || (type === 'A') !== (ip.family === 4)) {
        throw new ZoneSyntaxError(`${type} needs an IPv${type === 'A' ? 4 : 6} address, got ${JSON.stringify(tokens[0]!.text)}`);
      }
      return { type, ip };
    }
    case 'NS':
    case 'CNAME':
    case 'PTR':
      need(1, 'one name');
      return { type, target: name(0) };
    case 'MX':
      need(2, 'a preference and an exchange name');
      return { type, preference: uint(tokens[0]!, 16, 'MX preference'), exchange: name(1) };
    case 'SRV':
      need(4, 'priority, weight, port and target');
      return {
        type,
        priority: uint(tokens[0]!, 16, 'SRV priority'),
        weight: uint(tokens[1]!, 16, 'SRV weight'),
        port: uint(tokens[2]!, 16, 'SRV port'),
        target: name(3),
      };
    case 'SOA':
      need(7, 'mname, rname, serial, refresh, retry, expire and minimum');
      return {
        type,
        mname: name(0),
        rname: name(1),
        serial: uint(tokens[2]!, 32, 'SOA serial'),
        refresh: ttlValue(tokens[3]!.text),
        retry: ttlValue(tokens[4]!.text),
        expire: ttlValue(tokens[5]!.text),
        minimum: ttlValue(tokens[6]!.text),
      };
    case 'TXT': {
      if (tokens.length === 0) throw new ZoneSyntaxError('TXT needs at least one string');
      const strings = tokens.map((t) => t.bytes ?? Buffer.from(t.text, 'latin1'));
      for (const s of strings) if (s.length > 255) throw new ZoneSyntaxError(`TXT string of ${s.length} bytes (at most 255)`);
      return { type, strings };
    }
  }
}

function bare(t: Token): string {
  if (t.quoted) throw new ZoneSyntaxError(`unexpected quoted string "${t.text}"`);
  return t.text;
}

function uint(t: Token, bits: 16 | 32, what: string): number {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (!/^\d+$/.test(t.text) || Number(t.text) > max) throw new ZoneSyntaxError(`${what} must be an integer 0-${max}, got ${JSON.stringify(t.text)}`);
  return Number(t.text);
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A TTL: seconds, or BIND units (`1h30m`, `2d`); undefined when malformed. */
export function parseTtl(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 0x7fffffff ? n : undefined;
  }
  const re = /(\d+)([smhdw])/gi;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * TTL_UNITS[m[2]!.toLowerCase()]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0 || total > 0x7fffffff) return undefined;
  return total;
}

function ttlValue(text: string): number {
  const v = parseTtl(text);
  if (v === undefined) throw new ZoneSyntaxError(`bad time value ${JSON.stringify(text)}`);
  return v;
}

/** Presentation form of the RDATA (as a zone file would hold it). */
export function recordDataText(data: RecordData): string {
  switch (data.type) {
    case 'A':
    case 'AAAA':
      return data.ip.text;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return data.target.toString();
    case 'MX':
      return `${data.preference} ${data.exchange.toString()}`;
    case 'SRV':
      return `${data.priority} ${data.weight} ${data.port} ${data.target.toString()}`;
    case 'SOA':
      return `${data.mname.toString()} ${data.rname.toString()} ${data.serial} ${data.refresh} ${data.retry} ${data.expire} ${data.minimum}`;
    case 'TXT':
      return data.strings.map((s) => `"${txtEscape(s)}"`).join(' ');
  }
}

function txtEscape(s: Buffer): string {
  let out = '';
  for (const b of s) {
    if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) out += '\\' + String(b).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Two records carry the same data (used to refuse duplicates). */
export function sameRecordData(a: RecordData, b: RecordData): boolean {
  if (a.type !== b.type) return false;
  const ta = recordDataText(a);
  const tb = recordDataText(b);
  return a.type === 'TXT' ? ta === tb : ta.toLowerCase() === tb.toLowerCase();
}
