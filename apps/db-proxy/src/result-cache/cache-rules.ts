import { ConfigError, env, parseDuration, type Field } from '@scaleout/service';
import { digestText } from './statement-tables.js';

/** One query rule of the result cache: which SELECTs are cached and for how long. */
export interface CacheRule {
  /** Position in DBPROXY_RESULT_CACHE_RULES (metrics label). */
  name: string;
  /** Matches the statement text (JavaScript syntax, case-insensitive). */
  regex?: RegExp;
  /** Matches the statement's digest (literals → `?`), given as a statement with or without literals. */
  digest?: string;
  ttlMs: number;
}

const MAX_TTL = 86_400_000;
const MAX_RULES = 100;
const ALLOWED = 'a JSON array of {"regex": "…"} or {"digest": "SELECT … WHERE id = ?"} objects, each with "ttl" ("500ms", "5s", or milliseconds, 1ms…24h) and an optional "name"';

function ruleFrom(item: unknown, i: number, variable: string): CacheRule {
  const bad = (why: string): never => {
    throw new ConfigError(variable, `${variable}: rule ${i + 1} is invalid: ${why} (expected ${ALLOWED})`);
  };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) bad('not an object');
  const o = item as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['regex', 'digest', 'ttl', 'name'].includes(k)) bad(`unknown field "${k}"`);
  if ((o.regex === undefined) === (o.digest === undefined)) bad('give exactly one of "regex" and "digest"');
  let regex: RegExp | undefined;
  if (o.regex !== undefined) {
    if (typeof o.regex !== 'string' || o.regex === '') bad('"regex" must be a non-empty string');
    try {
      regex = new RegExp(o.regex as string, 'i');
    } catch (err) {
      bad(`"regex" does not compile: ${(err as Error).message}`);
    }
  }
  if (o.digest !== undefined && (typeof o.digest !== 'string' || o.digest.trim() === '')) bad('"digest" must be a non-empty string');
  const ttl = typeof o.ttl === 'number' ? o.ttl : typeof o.ttl === 'string' ? parseDuration(o.ttl) : undefined;
  if (ttl === undefined || !Number.isFinite(ttl) || ttl < 1 || ttl > MAX_TTL) bad(`"ttl" ${JSON.stringify(o.ttl)} must be a duration between 1ms and 24h`);
  if (o.name !== undefined && (typeof o.name !== 'string' || !/^[A-Za-z0-9_.-]{1,40}$/.test(o.name))) bad('"name" must be 1-40 characters of A-Z a-z 0-9 _ . -');
  return {
    name: (o.name as string | undefined) ?? `rule${i + 1}`,
    regex,
    digest: o.digest === undefined ? undefined : digestText(o.digest as string),
    ttlMs: Math.round(ttl!),
  };
}

/** Parses the DBPROXY_RESULT_CACHE_RULES text (throws ConfigError naming `variable`). */
export function parseCacheRules(raw: string, variable = 'DBPROXY_RESULT_CACHE_RULES'): CacheRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(variable, `${variable} is not valid JSON (${(err as Error).message}): expected ${ALLOWED}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(variable, `${variable} must be a JSON array: expected ${ALLOWED}`);
  if (parsed.length > MAX_RULES) throw new ConfigError(variable, `${variable}: at most ${MAX_RULES} rules`);
  const rules = parsed.map((item, i) => ruleFrom(item, i, variable));
  if (new Set(rules.map((r) => r.name)).size !== rules.length) throw new ConfigError(variable, `${variable}: rule names must be unique`);
  return rules;
}

/** The config field: unset or empty = no rules (the cache is off). */
export function cacheRulesField(): Field<CacheRule[]> {
  return {
    allowed: ALLOWED,
    defaultValue: [],
    required: false,
    parse: (raw, ctx) => parseCacheRules(raw, ctx.variable),
    fallback: () => [],
  };
}

/** DBPROXY_RESULT_CACHE_* fields (spread into the proxy's config spec). */
export const resultCacheConfigSpec = {
  resultCacheRules: cacheRulesField(),
  resultCacheMaxBytes: env.int({ default: 64 * 1024 * 1024, min: 64 * 1024, max: 64 * 1024 * 1024 * 1024 }),
  resultCacheMaxEntryBytes: env.int({ default: 1024 * 1024, min: 1024, max: 256 * 1024 * 1024 }),
  resultCachePeerInvalidation: env.bool({ default: true }),
};

/** The first rule matching `sql` (whose digest is computed only when a digest rule needs it). */
export function matchRule(rules: CacheRule[], sql: string): CacheRule | undefined {
  let digest: string | undefined;
  for (const r of rules) {
    if (r.regex) {
      if (r.regex.test(sql)) return r;
    } else if ((digest ??= digestText(sql)) === r.digest) return r;
  }
  return undefined;
}
