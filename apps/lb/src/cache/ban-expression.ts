import { headerValues } from './freshness.js';
import type { CacheObject } from './cache-object.js';

/** A ban expression that does not parse: `reason` says where and why (answered with 400 LB_ERR_INVALID). */
export class BanSyntaxError extends Error {
  readonly code = 'LB_ERR_INVALID';
}

type Op = '==' | '!=' | '~' | '!~';

interface Condition {
  field: string;
  op: Op;
  value: string;
  regex: RegExp | null;
}

const FIELD = /^(req\.url|req\.host|obj\.status|obj\.http\.[A-Za-z0-9!#$%&'*+.^_`|~-]+)/;
const MAX_LENGTH = 4096;

/**
 * Varnish-style ban expressions over stored objects: conditions joined by `&&`, each
 * `<field> <op> <value>` with fields `req.url`, `req.host`, `obj.status`, `obj.http.<header>`, operators
 * `==`, `!=`, `~` (regular expression), `!~`, and a double-quoted value (`\"` and `\\` escapes) or a
 * bare word. `obj.http.surrogate-key ~ "(^| )p12( |$)"` bans every page tagged p12.
 */
export function parseBanExpression(src: string): (o: CacheObject) => boolean {
  if (src.length > MAX_LENGTH) throw new BanSyntaxError(`expression longer than ${MAX_LENGTH} characters`);
  const conds: Condition[] = [];
  let pos = 0;
  const ws = () => {
    while (pos < src.length && (src[pos] === ' ' || src[pos] === '\t')) pos++;
  };
  for (;;) {
    ws();
    const fm = FIELD.exec(src.slice(pos));
    if (fm === null) throw new BanSyntaxError(`expected a field (req.url, req.host, obj.status, obj.http.<name>) at character ${pos + 1}`);
    const field = fm[1]!.toLowerCase();
    pos += fm[1]!.length;
    ws();
    const om = /^(==|!=|!~|~)/.exec(src.slice(pos));
    if (om === null) throw new BanSyntaxError(`expected an operator (==, !=, ~, !~) at character ${pos + 1}`);
    const op = om[1] as Op;
    pos += op.length;
    ws();
    let value = '';
    if (src[pos] === '"') {
      pos++;
      let closed = false;
      while (pos < src.length) {
        const c = src[pos]!;
        if (c === '\\' && pos + 1 < src.length) {
          value += src[pos + 1];
          pos += 2;
        } else if (c === '"') {
          pos++;
          closed = true;
          break;
        } else {
          value += c;
          pos++;
        }
      }
      if (!closed) throw new BanSyntaxError('unterminated string');
    } else {
      const m = /^[^\s"&]+/.exec(src.slice(pos));
      if (m === null) throw new BanSyntaxError(`expected a value at character ${pos + 1}`);
      value = m[0];
      pos += value.length;
    }
    let regex: RegExp | null = null;
    if (op === '~' || op === '!~') {
      try {
        regex = new RegExp(value);
      } catch (err) {
        throw new BanSyntaxError(`invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`);
      }
    } else if (field === 'obj.status' && !/^\d{3}$/.test(value)) {
      throw new BanSyntaxError(`obj.status compares with a three-digit status, not ${JSON.stringify(value)}`);
    }
    conds.push({ field, op, value, regex });
    ws();
    if (pos >= src.length) break;
    if (src.startsWith('&&', pos)) {
      pos += 2;
      continue;
    }
    throw new BanSyntaxError(`expected && or the end at character ${pos + 1}`);
  }
  return (o) => conds.every((c) => test(c, o));
}

function fieldOf(field: string, o: CacheObject): string {
  if (field === 'req.url') return o.target;
  if (field === 'req.host') return o.host;
  if (field === 'obj.status') return String(o.status);
  return headerValues(o.headers, field.slice('obj.http.'.length)).join(', ');
}

function test(c: Condition, o: CacheObject): boolean {
  const v = fieldOf(c.field, o);
  switch (c.op) {
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
    case '~':
      return c.regex!.test(v);
    default:
      return !c.regex!.test(v);
  }
}
