// What the result cache needs to know about a statement: the tables a SELECT reads (and whether its
// result can be cached at all), the tables a write changes, and the statement's digest. Conservative by
// construction: a SELECT whose table list is not understood is not cached; a write whose tables are not
// understood invalidates everything.
import { splitStatements, Tok, tokenize, type Token } from '../sql/sql-lexer.js';

/** `db.table`, lower-cased. */
export type TableKey = string;

export type ReadAnalysis = { cacheable: true; tables: TableKey[] } | { cacheable: false; reason: 'nondeterministic' | 'uncacheable' };

/** Written tables, or 'all' when the statement's effect cannot be narrowed to tables. */
export type WriteSet = TableKey[] | 'all';

/** Functions whose result changes between two runs of the same statement (or depends on the session). */
const NONDETERMINISTIC = new Set([
  'NOW', 'SYSDATE', 'CURDATE', 'CURTIME', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'LOCALTIME',
  'LOCALTIMESTAMP', 'UTC_DATE', 'UTC_TIME', 'UTC_TIMESTAMP', 'UNIX_TIMESTAMP', 'RAND', 'UUID', 'UUID_SHORT',
  'SYS_GUID', 'CONNECTION_ID', 'USER', 'CURRENT_USER', 'SESSION_USER', 'SYSTEM_USER', 'CURRENT_ROLE',
  'DATABASE', 'SCHEMA', 'LAST_INSERT_ID', 'FOUND_ROWS', 'ROW_COUNT', 'SLEEP', 'BENCHMARK', 'GET_LOCK',
  'RELEASE_LOCK', 'RELEASE_ALL_LOCKS', 'IS_FREE_LOCK', 'IS_USED_LOCK', 'MASTER_POS_WAIT', 'MASTER_GTID_WAIT',
  'NEXTVAL', 'LASTVAL', 'SETVAL', 'LOAD_FILE', 'RANDOM_BYTES', 'ENCRYPT', 'GTID_BINLOG_POS', 'GTID_CURRENT_POS',
  'GTID_SLAVE_POS',
]);
/** Keywords that make a SELECT uncacheable (locking, side effects, or results MariaDB varies itself). */
const UNCACHEABLE_WORDS = new Set(['INTO', 'FOR', 'LOCK', 'SQL_NO_CACHE', 'SQL_CALC_FOUND_ROWS', 'PROCEDURE', 'HIGH_PRIORITY']);
/** Schemas whose tables change without any write through the proxy. */
const SYSTEM_SCHEMAS = new Set(['information_schema', 'performance_schema', 'mysql', 'sys']);
/** What may follow a table reference (with its alias) in a FROM list. */
const AFTER_TABLE = new Set([
  'WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'CROSS', 'OUTER', 'NATURAL', 'STRAIGHT_JOIN', 'ON', 'USING',
  'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'OFFSET', 'FETCH',
]);
/** Clauses that end a FROM list. */
const END_FROM = new Set(['WHERE', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'OFFSET', 'FETCH', 'SELECT']);
/** Statements that change no table data. */
const NON_WRITING = new Set([
  'SELECT', 'SHOW', 'SET', 'USE', 'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'DESCRIBE',
  'DESC', 'EXPLAIN', 'KILL', 'HELP', 'LOCK', 'UNLOCK', 'HANDLER', 'XA', 'PREPARE', 'DEALLOCATE', 'CHECKSUM',
  'ANALYZE', 'CHECK', 'VALUES', 'TABLE',
]);
/** Writes whose every identifier is taken as a (possibly) written table: extra names only invalidate more. */
const TABLE_WRITES = new Set(['INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'TRUNCATE', 'LOAD']);

const isIdent = (t: Token | undefined): t is Token => t !== undefined && (t.kind === Tok.Word || t.kind === Tok.QuotedIdent);
const isPunct = (t: Token | undefined, p: string) => t !== undefined && t.kind === Tok.Punct && t.text === p;

function identName(sql: string, t: Token): string {
  const raw = sql.slice(t.start, t.end);
  return (t.kind === Tok.QuotedIdent ? raw.slice(1, -1).replace(/``/g, '`') : raw).toLowerCase();
}

/** Reads `name` or `db.name` at `i`; undefined when there is no identifier there. */
function qualifiedAt(sql: string, toks: Token[], i: number, schema: string | undefined): { key: TableKey | undefined; db: string | undefined; next: number } | undefined {
  const a = toks[i];
  if (!isIdent(a)) return undefined;
  if (isPunct(toks[i + 1], '.') && isIdent(toks[i + 2])) {
    const db = identName(sql, a);
    return { key: `${db}.${identName(sql, toks[i + 2]!)}`, db, next: i + 3 };
  }
  const s = schema?.toLowerCase();
  return { key: s === undefined ? undefined : `${s}.${identName(sql, a)}`, db: s, next: i + 1 };
}

/**
 * A SELECT's cacheability and the tables it reads (every FROM/JOIN list, subqueries included).
 * Not cacheable: anything but one plain SELECT, user/system variables, placeholders, locking or INTO,
 * non-deterministic functions, system schemas, unqualified tables without a default schema, and any
 * table list the scanner does not follow.
 */
export function analyzeRead(sql: string, schema: string | undefined): ReadAnalysis {
  const stmts = splitStatements(tokenize(sql));
  if (stmts.length !== 1) return { cacheable: false, reason: 'uncacheable' };
  const toks = stmts[0]!;
  if (toks[0]?.kind !== Tok.Word || toks[0].text !== 'SELECT') return { cacheable: false, reason: 'uncacheable' };
  const tables = new Set<TableKey>();
  // depths (parentheses) at which a FROM list is open: a ',' there starts another table reference
  const fromAt = new Set<number>();
  let depth = 0;
  let expectRef = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind === Tok.UserVar || t.kind === Tok.SysVar || t.kind === Tok.Param) return { cacheable: false, reason: 'nondeterministic' };
    if (t.kind === Tok.Punct) {
      if (t.text === '(') {
        depth++;
        if (expectRef) {
          // a derived table (its own FROM is scanned) or a parenthesised join list (a FROM list one level down)
          const sub = toks[i + 1];
          if (sub?.kind === Tok.Word && (sub.text === 'SELECT' || sub.text === 'WITH' || sub.text === 'VALUES')) expectRef = false;
          else fromAt.add(depth);
        }
      } else if (t.text === ')') {
        fromAt.delete(depth);
        depth--;
      } else if (t.text === ',' && fromAt.has(depth)) expectRef = true;
      else if (expectRef) return { cacheable: false, reason: 'uncacheable' };
      continue;
    }
    if (t.kind === Tok.Word) {
      if (NONDETERMINISTIC.has(t.text) && (isPunct(toks[i + 1], '(') || t.text.startsWith('CURRENT_') || t.text.startsWith('LOCAL') || t.text.startsWith('UTC_'))) {
        return { cacheable: false, reason: 'nondeterministic' };
      }
      if (UNCACHEABLE_WORDS.has(t.text)) return { cacheable: false, reason: 'uncacheable' };
      if (t.text === 'FROM' || t.text === 'JOIN' || t.text === 'STRAIGHT_JOIN') {
        fromAt.add(depth);
        expectRef = true;
        continue;
      }
      if (END_FROM.has(t.text)) {
        fromAt.delete(depth);
        if (expectRef) return { cacheable: false, reason: 'uncacheable' };
        continue;
      }
    }
    if (!expectRef) continue;
    expectRef = false;
    const q = qualifiedAt(sql, toks, i, schema);
    const dual = q !== undefined && q.next === i + 1 && t.kind === Tok.Word && t.text === 'DUAL';
    if (!q || (q.key === undefined && !dual)) return { cacheable: false, reason: 'uncacheable' };
    if (!dual && q.key !== undefined) {
      if (q.db !== undefined && SYSTEM_SCHEMAS.has(q.db)) return { cacheable: false, reason: 'uncacheable' };
      tables.add(q.key);
    }
    let j = q.next;
    if (toks[j]?.kind === Tok.Word && toks[j]!.text === 'AS') j++;
    const alias = toks[j];
    if (isIdent(alias) && !(alias.kind === Tok.Word && (AFTER_TABLE.has(alias.text) || UNCACHEABLE_WORDS.has(alias.text)))) j++;
    const next = toks[j];
    const follows = next === undefined || isPunct(next, ',') || isPunct(next, ')') || (next.kind === Tok.Word && (AFTER_TABLE.has(next.text) || UNCACHEABLE_WORDS.has(next.text)));
    if (!follows) return { cacheable: false, reason: 'uncacheable' }; // index hints, PARTITION (…), anything not followed
    i = j - 1;
  }
  return { cacheable: true, tables: [...tables] };
}

/** Every identifier of `toks` (from `from`) as a table of `schema` or of its qualifier; 'all' when one cannot be placed. */
function allNames(sql: string, toks: Token[], from: number, schema: string | undefined): WriteSet {
  const out = new Set<TableKey>();
  for (let i = from; i < toks.length; ) {
    const q = qualifiedAt(sql, toks, i, schema);
    if (!q) {
      i++;
      continue;
    }
    if (q.key === undefined) return 'all';
    out.add(q.key);
    i = q.next;
  }
  return [...out];
}

/**
 * Tables a statement (or each statement of a multi-statement query) may change: INSERT/REPLACE/UPDATE/
 * DELETE/TRUNCATE/LOAD DATA, and ALTER/DROP/RENAME/CREATE … TABLE take every identifier they name (column
 * names and aliases included: over-invalidation is harmless); statements that change nothing give [];
 * anything else (CALL, DO, EXECUTE, CREATE VIEW/PROCEDURE, DROP DATABASE, GRANT, unparsable text) gives 'all'.
 */
export function writtenTables(sql: string, schema: string | undefined): WriteSet {
  const out = new Set<TableKey>();
  for (const toks of splitStatements(tokenize(sql))) {
    const first = toks[0];
    if (first?.kind !== Tok.Word) return 'all';
    const verb = first.text;
    if (verb === 'WITH') {
      if (toks.some((t) => t.kind === Tok.Word && (t.text === 'UPDATE' || t.text === 'DELETE' || t.text === 'INSERT' || t.text === 'REPLACE'))) return 'all';
      continue;
    }
    if (NON_WRITING.has(verb)) continue;
    let names: WriteSet;
    if (TABLE_WRITES.has(verb)) names = allNames(sql, toks, 1, schema);
    else if (verb === 'ALTER' || verb === 'DROP' || verb === 'RENAME' || verb === 'CREATE') {
      const what = toks.slice(1, 5).map((t) => t.text);
      const isTable = what.includes('TABLE') || what.includes('TABLES') || what.includes('INDEX');
      names = isTable && !what.includes('DATABASE') && !what.includes('SCHEMA') ? allNames(sql, toks, 1, schema) : 'all';
    } else names = 'all';
    if (names === 'all') return 'all';
    for (const n of names) out.add(n);
  }
  return [...out];
}

/** The statement with literals replaced by `?` and whitespace/comments normalised (ProxySQL-style digest text). */
export function digestText(sql: string): string {
  const toks = tokenize(sql);
  let out = '';
  for (const t of toks) {
    const text = t.kind === Tok.String || t.kind === Tok.Number ? '?' : t.kind === Tok.Word || t.kind === Tok.Punct ? t.text : sql.slice(t.start, t.end);
    if (out.length > 0 && !(t.kind === Tok.Punct && (text === ',' || text === ')' || text === '.')) && !out.endsWith('(') && !out.endsWith('.')) out += ' ';
    out += text;
  }
  return out;
}
