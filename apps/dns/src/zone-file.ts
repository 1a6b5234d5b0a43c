import { DomainName } from './domain-name.js';
import { DnsError, ZoneDataError, ZoneSyntaxError } from './errors.js';
import { tokenizeMaster } from './master-tokenizer.js';
import { parseTtl } from './record-data.js';
import { isOptionList, makeRecordSpec, parseRecordOptions, readRecordFields, type RecordOptions, type RecordSpec } from './record-spec.js';

/** A zone read from a master file or from the environment: its apex and its records. */
export interface ZoneSource {
  origin: DomainName;
  records: RecordSpec[];
}

export interface ParseZoneFileOptions {
  /** Name used in error messages (the file path). */
  source?: string;
  /** Origin before any `$ORIGIN` (e.g. from configuration). */
  origin?: DomainName;
  /** TTL for records without one when the file has no `$TTL`. Default 3600. */
  defaultTtl?: number;
}

/**
 * Parses an RFC 1035 master file (subset): `$ORIGIN`, `$TTL`, SOA, NS, A, AAAA, CNAME, MX, PTR, SRV,
 * TXT, class IN, `( … )` continuation, `;` comments. The zone is the owner of the SOA record (exactly
 * one). A trailing comment made only of `weight=N` / `check=SPEC` options annotates an A/AAAA record;
 * other comments are ignored, so the same file still loads in BIND.
 */
export function parseZoneFile(text: string, options: ParseZoneFileOptions = {}): ZoneSource {
  const source = options.source ?? 'zone file';
  let origin = options.origin;
  let defaultTtl: number | undefined;
  let lastOwner: DomainName | undefined;
  let lastTtl: number | undefined;
  const records: RecordSpec[] = [];

  for (const line of tokenizeMaster(text, source)) {
    try {
      const first = line.tokens[0]!;
      if (!line.ownerBlank && !first.quoted && first.text.startsWith('$')) {
        const directive = first.text.toUpperCase();
        const arg = line.tokens[1];
        if (directive === '$ORIGIN') {
          if (!arg || line.tokens.length !== 2) throw new ZoneSyntaxError('$ORIGIN needs one name');
          origin = DomainName.parse(arg.text, origin);
        } else if (directive === '$TTL') {
          const v = arg && line.tokens.length === 2 ? parseTtl(arg.text) : undefined;
          if (v === undefined) throw new ZoneSyntaxError('$TTL needs one time value');
          defaultTtl = v;
        } else {
          throw new ZoneSyntaxError(`directive ${first.text} is not supported ($ORIGIN, $TTL)`);
        }
        continue;
      }
      let owner: DomainName;
      let rest = line.tokens;
      if (line.ownerBlank) {
        if (!lastOwner) throw new ZoneSyntaxError('record without an owner name');
        owner = lastOwner;
      } else {
        owner = DomainName.parse(first.text, origin);
        rest = rest.slice(1);
      }
      const fields = readRecordFields(rest);
      const ttl = fields.ttl ?? defaultTtl ?? lastTtl ?? options.defaultTtl ?? 3600;
      let annotation: RecordOptions = {};
      if (line.comment !== '') {
        const commentTokens = tokenizeMaster(line.comment, source, { comments: false })[0]?.tokens ?? [];
        if (isOptionList(commentTokens)) annotation = parseRecordOptions(commentTokens);
      }
      const spec = makeRecordSpec(owner, ttl, fields.type, fields.rest, annotation, origin);
      records.push(spec);
      lastOwner = owner;
      lastTtl = ttl;
    } catch (err) {
      if (err instanceof ZoneSyntaxError && err.line === undefined) {
        throw new ZoneSyntaxError(err.message.replace(/^input: /, ''), source, line.line);
      }
      throw err;
    }
  }

  const soas = records.filter((r) => r.data.type === 'SOA');
  if (soas.length !== 1) throw new ZoneDataError(`${source}: a zone file needs exactly one SOA record (found ${soas.length})`);
  const apex = soas[0]!.name;
  for (const r of records) {
    if (!r.name.isWithin(apex)) {
      throw new ZoneDataError(`${source}: ${r.name.toString()} is outside the zone ${apex.toString()}`);
    }
  }
  return { origin: apex, records };
}

/** True for errors the zone parsers raise on bad input (as opposed to bugs). */
export function isZoneInputError(err: unknown): err is DnsError {
  return err instanceof ZoneSyntaxError || err instanceof ZoneDataError;
}
