/** Resource record types we serve or treat specially (RFC 1035, 3596, 2782, 6891, 8482). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  DNSKEY: 48,
  SVCB: 64,
  HTTPS: 65,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  CAA: 257,
} as const;

/** Record types a zone may contain (what the zone parsers accept). */
export const ZONE_TYPES = ['SOA', 'NS', 'A', 'AAAA', 'CNAME', 'MX', 'PTR', 'SRV', 'TXT'] as const;
export type ZoneTypeName = (typeof ZONE_TYPES)[number];

export const DnsClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended RCODE (RFC 6891): the low 4 bits go in the header, the rest in the OPT TTL. */
  BADVERS: 16,
} as const;

/** Bounded label values for the `type` label of the query counter; everything else is `other`. */
export const QUERY_TYPE_LABELS = [
  'A',
  'NS',
  'CNAME',
  'SOA',
  'PTR',
  'MX',
  'TXT',
  'AAAA',
  'SRV',
  'HTTPS',
  'SVCB',
  'CAA',
  'DS',
  'DNSKEY',
  'ANY',
  'AXFR',
  'IXFR',
  'other',
] as const;

/** Type name → number, for every type in {@link RRType}. */
const TYPE_NUMBERS: Readonly<Record<string, number>> = RRType;

/** qtype → index into {@link QUERY_TYPE_LABELS}, for every 16-bit value (unknown types map to `other`). */
export const QUERY_TYPE_INDEX: Uint8Array = (() => {
  const table = new Uint8Array(65536).fill(QUERY_TYPE_LABELS.length - 1);
  QUERY_TYPE_LABELS.forEach((label, i) => {
    const n = TYPE_NUMBERS[label];
    if (n !== undefined) table[n] = i;
  });
  return table;
})();

/** Bounded label values for the `rcode` label. */
export const RCODE_LABELS = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'BADVERS'] as const;

/** rcode → index into {@link RCODE_LABELS}. */
export function rcodeIndex(rcode: number): number {
  return rcode === Rcode.BADVERS ? 6 : rcode <= 5 ? rcode : 2;
}

export const TRANSPORT_LABELS = ['udp', 'tcp'] as const;
export type Transport = (typeof TRANSPORT_LABELS)[number];

/** `A` → 1 for the record types a zone may hold; undefined otherwise. */
export function zoneTypeNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  return (ZONE_TYPES as readonly string[]).includes(upper) ? TYPE_NUMBERS[upper] : undefined;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([name, n]) => [n, name]));

/** 1 → `A`; unknown numbers as `TYPE<n>` (RFC 3597 style). */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}
