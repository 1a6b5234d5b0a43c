import { ZoneSyntaxError } from './errors.js';
import type { Token } from './record-data.js';

/** One logical line of master-file text (parentheses joined), with its comment text. */
export interface LogicalLine {
  tokens: Token[];
  /** The line started with white space: the owner is the previous record's owner (RFC 1035 §5.1). */
  ownerBlank: boolean;
  /** 1-based number of the physical line where the logical line starts. */
  line: number;
  /** Text of the comments on this logical line, joined by a space (without the `;`). */
  comment: string;
}

/**
 * Splits RFC 1035 master-file text into logical lines: `;` comments, `( … )` continuation, quoted
 * strings with `\"`, `\\` and `\DDD` escapes. Bare tokens keep their escapes for the name parser.
 * With `commentChar: false`, `;` is an ordinary character (used for one-line `DNS_RECORDS` entries).
 */
export function tokenizeMaster(text: string, source: string, options: { comments?: boolean } = {}): LogicalLine[] {
  const comments = options.comments ?? true;
  const lines: LogicalLine[] = [];
  let lineNo = 1;
  let depth = 0;
  let current: LogicalLine | undefined;
  let i = 0;

  const start = (blank: boolean) => {
    current = { tokens: [], ownerBlank: blank, line: lineNo, comment: '' };
  };
  const finish = () => {
    if (current && current.tokens.length > 0) lines.push(current);
    current = undefined;
  };

  while (i < text.length) {
    const ch = text[i]!;
    if (current === undefined) start(ch === ' ' || ch === '\t');
    const cur = current!;
    if (ch === '\n') {
      lineNo++;
      i++;
      if (depth === 0) finish();
      continue;
    }
    if (ch === '\r' || ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === ';' && comments) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = text.length;
      const c = text.slice(i + 1, j).trim();
      cur.comment = cur.comment === '' ? c : `${cur.comment} ${c}`;
      i = j;
      continue;
    }
    if (ch === '(') {
      depth++;
      i++;
      continue;
    }
    if (ch === ')') {
      if (depth === 0) throw new ZoneSyntaxError('")" without "("', source, lineNo);
      depth--;
      i++;
      continue;
    }
    if (ch === '"') {
      const bytes: number[] = [];
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ZoneSyntaxError('unterminated quoted string', source, lineNo);
        const c = text[j]!;
        if (c === '"') break;
        if (c === '\n') lineNo++;
        if (c === '\\') {
          const d = /^\d{3}/.exec(text.slice(j + 1, j + 4));
          if (d) {
            const v = Number(d[0]);
            if (v > 255) throw new ZoneSyntaxError(`bad escape \\${d[0]}`, source, lineNo);
            bytes.push(v);
            j += 4;
            continue;
          }
          if (j + 1 >= text.length) throw new ZoneSyntaxError('dangling backslash', source, lineNo);
          bytes.push(text.charCodeAt(j + 1) & 0xff);
          j += 2;
          continue;
        }
        const code = c.charCodeAt(0);
        if (code > 0xff) bytes.push(...Buffer.from(c, 'utf8'));
        else bytes.push(code);
        j++;
      }
      const b = Buffer.from(bytes);
      cur.tokens.push({ text: b.toString('latin1'), bytes: b, quoted: true });
      i = j + 1;
      continue;
    }
    // bare token: up to white space, quote, parenthesis or comment; backslash escapes the next char
    let j = i;
    while (j < text.length) {
      const c = text[j]!;
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '"' || c === '(' || c === ')' || (c === ';' && comments)) break;
      j++;
    }
    cur.tokens.push({ text: text.slice(i, Math.min(j, text.length)), quoted: false });
    i = j;
  }
  if (depth !== 0) throw new ZoneSyntaxError('"(" without ")"', source, lineNo);
  finish();
  return lines;
}
