// Test helpers: build raw DNS queries (including malformed ones) and read replies. Replies are decoded
// with dns-packet, an implementation independent of ours.
import dnsPacket from 'dns-packet';

export interface EdnsOptions {
  payload?: number;
  version?: number;
  do?: boolean;
  /** Raw option bytes (code, length, data …) placed in the OPT RDATA. */
  options?: Buffer;
}

export interface QueryOptions {
  id?: number;
  name: string;
  qtype?: number;
  qclass?: number;
  rd?: boolean;
  cd?: boolean;
  ad?: boolean;
  /** The Z bit (must not be copied into replies). */
  z?: boolean;
  opcode?: number;
  edns?: EdnsOptions | false;
}

export const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, AXFR: 252, MAILA: 254, ANY: 255 } as const;

/** Wire form of a presentation name, case kept (no escapes: test names are plain). */
export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function optRecord(e: EdnsOptions = {}): Buffer {
  const rdata = e.options ?? Buffer.alloc(0);
  const b = Buffer.alloc(11);
  b[0] = 0;
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(e.payload ?? 1232, 3);
  b[5] = 0; // extended rcode
  b[6] = e.version ?? 0;
  b[7] = e.do ? 0x80 : 0;
  b[8] = 0;
  b.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([b, rdata]);
}

/** A query exactly as asked (RD set unless `rd: false`; EDNS with payload 1232 unless `edns: false`). */
export function buildQuery(o: QueryOptions): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(o.id ?? 0x1234, 0);
  const opcode = o.opcode ?? 0;
  header[2] = (opcode << 3) | (o.rd === false ? 0 : 1);
  header[3] = (o.z ? 0x40 : 0) | (o.ad ? 0x20 : 0) | (o.cd ? 0x10 : 0);
  header.writeUInt16BE(1, 4);
  const edns = o.edns === false ? undefined : (o.edns ?? {});
  header.writeUInt16BE(edns ? 1 : 0, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(o.qtype ?? T.A, 0);
  q.writeUInt16BE(o.qclass ?? 1, 2);
  return Buffer.concat([header, encodeName(o.name), q, edns ? optRecord(edns) : Buffer.alloc(0)]);
}

export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: boolean;
  ad: boolean;
  cd: boolean;
  rcode: number;
  qd: number;
  an: number;
  ns: number;
  ar: number;
}

export function readHeader(b: Uint8Array): Header {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return {
    id: v.readUInt16BE(0),
    qr: (v[2]! & 0x80) !== 0,
    opcode: (v[2]! >> 3) & 0x0f,
    aa: (v[2]! & 0x04) !== 0,
    tc: (v[2]! & 0x02) !== 0,
    rd: (v[2]! & 0x01) !== 0,
    ra: (v[3]! & 0x80) !== 0,
    z: (v[3]! & 0x40) !== 0,
    ad: (v[3]! & 0x20) !== 0,
    cd: (v[3]! & 0x10) !== 0,
    rcode: v[3]! & 0x0f,
    qd: v.readUInt16BE(4),
    an: v.readUInt16BE(6),
    ns: v.readUInt16BE(8),
    ar: v.readUInt16BE(10),
  };
}

/** A record as dns-packet decodes it (the OPT fields are present on OPT records only). */
export interface Rec {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
  udpPayloadSize?: number;
  extendedRcode?: number;
  ednsVersion?: number;
  flag_do?: boolean;
}

export interface Decoded {
  id?: number;
  questions: Array<{ name: string; type: string }>;
  answers: Rec[];
  authorities: Rec[];
  additionals: Rec[];
}

export function decode(b: Uint8Array): Decoded {
  const p = dnsPacket.decode(Buffer.from(b));
  return {
    id: p.id,
    questions: (p.questions ?? []) as Decoded['questions'],
    answers: (p.answers ?? []) as Rec[],
    authorities: (p.authorities ?? []) as Rec[],
    additionals: (p.additionals ?? []) as Rec[],
  };
}

/** The OPT record of a decoded reply, if any. */
export function optOf(p: Decoded): Rec | undefined {
  return p.additionals.find((a) => a.type === 'OPT');
}

/** Full RCODE: header bits plus the OPT extended bits (RFC 6891). */
export function fullRcode(b: Uint8Array): number {
  const p = decode(b);
  const opt = optOf(p);
  return ((opt?.extendedRcode ?? 0) << 4) | readHeader(b).rcode;
}

/** Addresses of the A/AAAA answers, in order. */
export function addresses(p: Decoded): string[] {
  return p.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => String(a.data));
}

/** The question section bytes of a message (from offset 12 to the end of QTYPE/QCLASS). */
export function questionBytes(b: Uint8Array): Buffer {
  let p = 12;
  while (b[p] !== 0) p += b[p]! + 1;
  return Buffer.from(b.subarray(12, p + 5));
}
