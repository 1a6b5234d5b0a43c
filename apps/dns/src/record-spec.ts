import { zoneTypeNumber } from './dns-constants.js';
import { DomainName } from './domain-name.js';
import { ZoneSyntaxError } from './errors.js';
import { parseRecordData, parseTtl, type RecordData, type RecordTypeName, type Token } from './record-data.js';

/** One record as read from configuration, before it becomes part of a zone. */
export interface RecordSpec {
  name: DomainName;
  ttl: number;
  data: RecordData;
  /** Rotation weight (A/AAAA), 1-255. Default 1. */
  weight: number;
  /** Health check of the record's address (A/AAAA): `http(s)://…`, `tcp://host:port` or `tcp:port`. */
  check?: string;
}

/** Options that may follow a record: `weight=N` and `check=SPEC`. */
export interface RecordOptions {
  weight?: number;
  check?: string;
}

const OPTION = /^(weight|check)=(.+)$/;

/** True when every token is a `weight=`/`check=` option (used to recognise annotation comments). */
export function isOptionList(tokens: readonly Token[]): boolean {
  return tokens.length > 0 && tokens.every((t) => !t.quoted && OPTION.test(t.text));
}

/** Parses `weight=` / `check=` tokens. */
export function parseRecordOptions(tokens: readonly Token[]): RecordOptions {
  const out: RecordOptions = {};
  for (const t of tokens) {
    const m = OPTION.exec(t.text);
    if (!m || t.quoted) throw new ZoneSyntaxError(`unexpected ${JSON.stringify(t.text)} (options are weight=N and check=SPEC)`);
    if (m[1] === 'weight') {
      if (!/^\d+$/.test(m[2]!) || Number(m[2]) < 1 || Number(m[2]) > 255) {
        throw new ZoneSyntaxError(`weight must be an integer 1-255, got ${JSON.stringify(m[2])}`);
      }
      out.weight = Number(m[2]);
    } else {
      out.check = m[2]!;
    }
  }
  return out;
}

export interface RecordFieldsResult {
  ttl: number | undefined;
  type: RecordTypeName;
  rest: Token[];
}

/**
 * Reads `[TTL] [CLASS] TYPE` (TTL and class in either order, RFC 1035 §5.1) from the tokens after the
 * owner; `rest` are the RDATA tokens (and options).
 */
export function readRecordFields(tokens: readonly Token[]): RecordFieldsResult {
  let ttl: number | undefined;
  let cls: string | undefined;
  let i = 0;
  for (; i < tokens.length && i < 3; i++) {
    const t = tokens[i]!;
    if (t.quoted) break;
    const upper = t.text.toUpperCase();
    if (ttl === undefined && /^\d/.test(t.text)) {
      const v = parseTtl(t.text);
      if (v === undefined) throw new ZoneSyntaxError(`bad TTL ${JSON.stringify(t.text)}`);
      ttl = v;
      continue;
    }
    if (cls === undefined && (upper === 'IN' || upper === 'CH' || upper === 'HS' || upper === 'CS')) {
      cls = upper;
      continue;
    }
    break;
  }
  if (cls !== undefined && cls !== 'IN') throw new ZoneSyntaxError(`class ${cls} is not served (only IN)`);
  const typeToken = tokens[i];
  if (!typeToken || typeToken.quoted) throw new ZoneSyntaxError('missing record type');
  const upper = typeToken.text.toUpperCase();
  if (zoneTypeNumber(upper) === undefined) {
    throw new ZoneSyntaxError(`record type ${JSON.stringify(typeToken.text)} is not supported (SOA, NS, A, AAAA, CNAME, MX, PTR, SRV, TXT)`);
  }
  return { ttl, type: upper as RecordTypeName, rest: tokens.slice(i + 1) };
}

/** Builds a record spec from parsed pieces, checking the options make sense for the type. */
export function makeRecordSpec(
  name: DomainName,
  ttl: number,
  type: RecordTypeName,
  rdata: readonly Token[],
  options: RecordOptions,
  origin: DomainName | undefined,
): RecordSpec {
  const data = parseRecordData(type, rdata, origin);
  if ((options.weight !== undefined || options.check !== undefined) && type !== 'A' && type !== 'AAAA') {
    throw new ZoneSyntaxError(`weight= and check= apply to A and AAAA records only (got ${type})`);
  }
  const spec: RecordSpec = { name, ttl, data, weight: options.weight ?? 1 };
  if (options.check !== undefined) spec.check = options.check;
  return spec;
}
