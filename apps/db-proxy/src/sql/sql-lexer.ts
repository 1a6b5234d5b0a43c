// A small SQL lexer: enough of MariaDB's lexical rules to find keywords, function calls, variables and
// statement boundaries without being fooled by strings, quoted identifiers or comments.

export const enum Tok {
  Word = 0,
  QuotedIdent = 1,
  String = 2,
  Number = 3,
  /** `@name`, `@'name'`, `@\`name\`` (a user variable). */
  UserVar = 4,
  /** `@@name`, `@@session.name`, `@@global.name`. */
  SysVar = 5,
  /** Punctuation and operators; multi-character `:=` is one token. */
  Punct = 6,
  Param = 7,
}

export interface Token {
  kind: Tok;
  start: number;
  end: number;
  /** Upper-cased text for Word and Punct, lower-cased name for variables, raw text otherwise. */
  text: string;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
const isDigit = (c: number) => c >= 48 && c <= 57;
// identifiers: letters, digits, _, $ and any non-ASCII byte
const isIdent = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigit(c) || c === 95 || c === 36 || c > 127;

/** Tokenises `sql`. Never throws: an unterminated string or comment runs to the end. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // comments
    if (c === 35 /* # */) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45 && (i + 2 >= n || isSpace(sql.charCodeAt(i + 2)))) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const c2 = sql.charCodeAt(i + 2);
      // executable comments /*! ... */ and /*M! ... */: their content is SQL
      if (c2 === 33 /* ! */ || (c2 === 77 /* M */ && sql.charCodeAt(i + 3) === 33)) {
        i += c2 === 33 ? 3 : 4;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
        continue;
      }
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === 42 /* * */ && sql.charCodeAt(i + 1) === 47 /* / */) {
      // end of an executable comment
      i += 2;
      continue;
    }
    const start = i;
    if (c === 39 /* ' */ || c === 34 /* " */) {
      i = skipQuoted(sql, i, c);
      out.push({ kind: Tok.String, start, end: i, text: sql.slice(start, i) });
      continue;
    }
    if (c === 96 /* ` */) {
      i = skipQuoted(sql, i, c);
      out.push({ kind: Tok.QuotedIdent, start, end: i, text: sql.slice(start, i) });
      continue;
    }
    if (c === 64 /* @ */) {
      if (sql.charCodeAt(i + 1) === 64) {
        i += 2;
        while (i < n && (isIdent(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46 /* . */)) i++;
        out.push({ kind: Tok.SysVar, start, end: i, text: sql.slice(start + 2, i).toLowerCase() });
        continue;
      }
      i++;
      const q = sql.charCodeAt(i);
      if (q === 39 || q === 34 || q === 96) {
        i = skipQuoted(sql, i, q);
        out.push({ kind: Tok.UserVar, start, end: i, text: sql.slice(start + 2, i - 1).toLowerCase() });
      } else {
        while (i < n && (isIdent(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++;
        out.push({ kind: Tok.UserVar, start, end: i, text: sql.slice(start + 1, i).toLowerCase() });
      }
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      while (i < n && (isIdent(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++;
      out.push({ kind: Tok.Number, start, end: i, text: sql.slice(start, i) });
      continue;
    }
    if (isIdent(c)) {
      while (i < n && isIdent(sql.charCodeAt(i))) i++;
      // x'..', b'..', N'..' literals
      if (i - start === 1 && sql.charCodeAt(i) === 39 && 'xXbBnN'.includes(sql[start]!)) {
        i = skipQuoted(sql, i, 39);
        out.push({ kind: Tok.String, start, end: i, text: sql.slice(start, i) });
        continue;
      }
      out.push({ kind: Tok.Word, start, end: i, text: sql.slice(start, i).toUpperCase() });
      continue;
    }
    if (c === 63 /* ? */) {
      i++;
      out.push({ kind: Tok.Param, start, end: i, text: '?' });
      continue;
    }
    if (c === 58 /* : */ && sql.charCodeAt(i + 1) === 61 /* = */) {
      i += 2;
      out.push({ kind: Tok.Punct, start, end: i, text: ':=' });
      continue;
    }
    i++;
    out.push({ kind: Tok.Punct, start, end: i, text: sql[start]! });
  }
  return out;
}

function skipQuoted(sql: string, i: number, q: number): number {
  const n = sql.length;
  i++;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 92 /* \ */ && q !== 96) {
      i += 2;
      continue;
    }
    if (c === q) {
      if (sql.charCodeAt(i + 1) === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return n;
}

/** Splits tokens into statements at `;` (empty statements dropped). */
export function splitStatements(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === Tok.Punct && t.text === ';') {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
