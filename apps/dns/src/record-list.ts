import { DomainName } from './domain-name.js';
import { ZoneDataError, ZoneSyntaxError } from './errors.js';
import { parseIp } from './ip-address.js';
import { tokenizeMaster } from './master-tokenizer.js';
import type { Token } from './record-data.js';
import { isOptionList, makeRecordSpec, parseRecordOptions, readRecordFields, type RecordSpec } from './record-spec.js';
import type { ZoneSource } from './zone-file.js';

/**
 * Resolves a name written in `DNS_RECORDS`: `@` is `origin`; a trailing dot makes it absolute; a name
 * that already ends in one of the zones is taken as written; anything else is relative to `origin`.
 */
export function resolveRecordName(text: string, zones: readonly DomainName[], origin: DomainName): DomainName {
  if (text === '@' || text.endsWith('.')) return DomainName.parse(text, origin);
  const asAbsolute = DomainName.parse(`${text}.`);
  if (zones.some((z) => asAbsolute.isWithin(z))) return asAbsolute;
  return DomainName.parse(text, origin);
}

/** The deepest of `zones` that contains `name`, or undefined. */
export function enclosingZone(name: DomainName, zones: readonly DomainName[]): DomainName | undefined {
  let best: DomainName | undefined;
  for (const z of zones) if (name.isWithin(z) && (!best || z.labelCount > best.labelCount)) best = z;
  return best;
}

/** Splits `DNS_RECORDS` into entries: `;` or new lines separate them (outside quotes). */
function splitEntries(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === ';' || c === '\n')) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Parses the compact record list of `DNS_RECORDS`: entries separated by `;` or new lines, each
 * `NAME [TTL] [IN] TYPE RDATA… [weight=N] [check=SPEC]`, e.g.
 * `www A 127.0.1.1 check=http://{addr}:8404/readyz; www A 127.0.1.2 check=http://{addr}:8404/readyz`.
 */
export function parseRecordList(text: string, zones: readonly DomainName[], defaultTtl: number, source = 'DNS_RECORDS'): RecordSpec[] {
  if (zones.length === 0) throw new ZoneDataError(`${source} is set but no zone is configured (DNS_ZONE)`);
  const first = zones[0]!;
  const records: RecordSpec[] = [];
  splitEntries(text).forEach((entry, index) => {
    const where = `${source} entry ${index + 1} (${JSON.stringify(entry)})`;
    try {
      const tokens = tokenizeMaster(entry, where, { comments: false })[0]?.tokens ?? [];
      if (tokens.length < 2) throw new ZoneSyntaxError('expected NAME [TTL] TYPE DATA');
      const owner = resolveRecordName(bareText(tokens[0]!), zones, first);
      const zone = enclosingZone(owner, zones);
      if (!zone) throw new ZoneDataError(`${where}: ${owner.toString()} is in none of the zones ${zones.map(String).join(', ')}`);
      const fields = readRecordFields(tokens.slice(1));
      let optionStart = fields.rest.length;
      while (optionStart > 0 && isOptionList([fields.rest[optionStart - 1]!])) optionStart--;
      const rdata = fields.rest.slice(0, optionStart).map((t) => resolveNameToken(t, fields.type, zones, zone));
      const options = parseRecordOptions(fields.rest.slice(optionStart));
      records.push(makeRecordSpec(owner, fields.ttl ?? defaultTtl, fields.type, rdata, options, zone));
    } catch (err) {
      if (err instanceof ZoneSyntaxError && !err.message.startsWith(source)) {
        throw new ZoneSyntaxError(`${where}: ${err.message.replace(/^input: /, '')}`, source);
      }
      throw err;
    }
  });
  return records;
}

/** Names inside RDATA follow the same rule as owners; rewrite them to absolute form up front. */
function resolveNameToken(t: Token, type: string, zones: readonly DomainName[], origin: DomainName): Token {
  if (t.quoted || type === 'TXT' || /^\d/.test(t.text) || parseIp(t.text) || t.text.includes(':')) return t;
  return { text: resolveRecordName(t.text, zones, origin).toString(), quoted: false };
}

function bareText(t: Token): string {
  if (t.quoted) throw new ZoneSyntaxError(`unexpected quoted string "${t.text}"`);
  return t.text;
}

export interface EnvZoneOptions {
  /** TTL for records that name none. */
  defaultTtl: number;
  /** SOA MINIMUM (negative-caching TTL, RFC 2308). */
  negativeTtl: number;
  /** Initial SOA serial when the records do not give an SOA. */
  serial: number;
  /** Address of the default `ns1.<zone>` name server (added when the zone has no NS and no ns1 record). */
  nameServerAddress?: string;
}

/**
 * Zones from `DNS_ZONE` + `DNS_RECORDS`. A zone without an SOA gets `ns1.<zone>. hostmaster.<zone>.
 * <serial> 3600 600 604800 <negativeTtl>`; a zone without NS gets `ns1.<zone>.`, plus an A/AAAA for
 * ns1 at `nameServerAddress` when ns1 has no records of its own.
 */
export function envZoneSources(zoneNames: readonly string[], recordsText: string | undefined, options: EnvZoneOptions): ZoneSource[] {
  const zones = zoneNames.map((z) => DomainName.parse(z.endsWith('.') ? z : `${z}.`));
  const seen = new Set<string>();
  for (const z of zones) {
    if (seen.has(z.key)) throw new ZoneDataError(`zone ${z.toString()} is listed twice in DNS_ZONE`);
    seen.add(z.key);
  }
  const records = recordsText ? parseRecordList(recordsText, zones, options.defaultTtl) : [];
  return zones.map((origin) => {
    const own = records.filter((r) => enclosingZone(r.name, zones)?.equals(origin));
    const out = [...own];
    if (!own.some((r) => r.data.type === 'SOA')) {
      out.unshift({
        name: origin,
        ttl: 3600,
        weight: 1,
        data: {
          type: 'SOA',
          mname: origin.child('ns1'),
          rname: origin.child('hostmaster'),
          serial: options.serial >>> 0,
          refresh: 3600,
          retry: 600,
          expire: 604800,
          minimum: options.negativeTtl,
        },
      });
    }
    if (!own.some((r) => r.data.type === 'NS' && r.name.equals(origin))) {
      const ns = origin.child('ns1');
      out.push({ name: origin, ttl: 3600, weight: 1, data: { type: 'NS', target: ns } });
      const ip = options.nameServerAddress ? parseIp(options.nameServerAddress) : undefined;
      if (ip && !own.some((r) => r.name.equals(ns)) && !isUnspecified(ip.bytes)) {
        out.push({ name: ns, ttl: 3600, weight: 1, data: ip.family === 4 ? { type: 'A', ip } : { type: 'AAAA', ip } });
      }
    }
    return { origin, records: out };
  });
}

function isUnspecified(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0);
}
