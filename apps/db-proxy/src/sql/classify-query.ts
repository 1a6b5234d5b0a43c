// Decides how a statement is routed and what it does to session state. Conservative: anything not
// recognised as a side-effect-free read goes to the writer.
import { splitStatements, Tok, tokenize, type Token } from './sql-lexer.js';

/** Why a session is tied to one backend for good (or until UNLOCK TABLES). */
export type PinReason =
  | 'temp_table'
  | 'get_lock'
  | 'lock_tables'
  | 'user_var'
  | 'text_prepare'
  | 'handler'
  | 'xa'
  | 'multi_statement'
  | 'set_expression'
  | 'history_overflow'
  | 'no_gtid_tracking';

export const enum Target {
  /** Autocommit read without side effects: a reader (or the writer). */
  Read = 0,
  Write = 1,
  /** Must run where the previous statement ran (SHOW WARNINGS, FOUND_ROWS() …). */
  Previous = 2,
}

/**
 * A statement the proxy answers itself (connection ids are the proxy's, not a backend's):
 * `SELECT CONNECTION_ID()` (optionally with an alias) and `KILL [HARD|SOFT] [CONNECTION|QUERY] <id>`.
 * `unsupported`: a KILL form the proxy cannot map to its sessions (KILL USER, KILL QUERY ID, expressions).
 */
export type ProxyCommand =
  | { kind: 'connection_id' }
  | { kind: 'kill'; query: boolean; id: number }
  | { kind: 'unsupported'; what: string };

export interface Classification {
  target: Target;
  /** A session command: replayed on every backend the session uses (history key for pruning). */
  sessionKey?: string;
  /** `BEGIN`/`START TRANSACTION` (rw) or `START TRANSACTION READ ONLY` (ro). */
  begin?: 'rw' | 'ro';
  /** COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT: goes wherever the transaction is. */
  txnControl?: boolean;
  pin?: PinReason;
  /** UNLOCK TABLES. */
  unlockTables?: boolean;
  /** `SET TRANSACTION …` (next transaction only): the next statement goes to the writer. */
  nextTrxOnWriter?: boolean;
  /** `USE db`. */
  useSchema?: string;
  /** `SET @scaleout_min_gtid = '…'`: the causal-read token, answered by the proxy. */
  minGtid?: string;
  /** Answered by the proxy (see ProxyCommand). */
  proxy?: ProxyCommand;
  /** Several statements in one COM_QUERY. */
  multi: boolean;
}

const READ: Classification = { target: Target.Read, multi: false };
const WRITE: Classification = { target: Target.Write, multi: false };
const PREVIOUS: Classification = { target: Target.Previous, multi: false };

/** Functions that must run on the writer (state, sequences, replication waits). */
const WRITER_FUNCS = new Set([
  'LAST_INSERT_ID',
  'NEXTVAL',
  'LASTVAL',
  'SETVAL',
  'MASTER_GTID_WAIT',
  'MASTER_POS_WAIT',
  'RELEASE_LOCK',
  'RELEASE_ALL_LOCKS',
  'IS_FREE_LOCK',
  'IS_USED_LOCK',
  'LOAD_FILE',
]);
/** Functions about the previous statement on the same connection. */
const PREVIOUS_FUNCS = new Set(['FOUND_ROWS', 'ROW_COUNT']);
const WRITER_SYSVARS = new Set(['last_insert_id', 'identity', 'insert_id', 'last_gtid', 'session.last_insert_id', 'session.last_gtid']);
const PREVIOUS_SYSVARS = new Set(['warning_count', 'error_count', 'session.warning_count', 'session.error_count']);
const SHOW_PREVIOUS = new Set(['WARNINGS', 'ERRORS', 'COUNT', 'PROFILE', 'PROFILES', 'STATUS', 'SESSION', 'LOCAL']);
const SHOW_WRITER = new Set(['MASTER', 'SLAVE', 'REPLICA', 'BINLOG', 'BINARY', 'RELAYLOG', 'PROCESSLIST', 'FULL', 'ENGINE', 'ALL']);

const cache = new Map<string, Classification>();
const CACHE_MAX = 2000;
/** Short texts repeat (BEGIN, COMMIT, SELECT 1, SET autocommit=1); long ones carry literals and rarely do. */
const CACHE_TEXT_MAX = 48;

/** A plain SELECT: starts with SELECT and has nothing the full classifier would look at twice. */
const PLAIN_SELECT = /^\s*select\s/i;
const SUSPICIOUS =
  /[;@#]|:=|\/\*|--|\b(?:connection_id|into|for|lock|sql_calc_found_rows|last_insert_id|nextval|lastval|setval|master_gtid_wait|master_pos_wait|get_lock|release_lock|release_all_locks|is_free_lock|is_used_lock|load_file|found_rows|row_count|value)\b/i;

/**
 * Classifies one COM_QUERY / COM_STMT_PREPARE text. Plain SELECTs are recognised by a quick check;
 * results for short texts are cached.
 */
export function classifyQuery(sql: string): Classification {
  if (PLAIN_SELECT.test(sql) && !SUSPICIOUS.test(sql)) return READ;
  if (sql.length <= CACHE_TEXT_MAX) {
    const hit = cache.get(sql);
    if (hit) return hit;
    const c = classifyUncached(sql);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(sql, c);
    return c;
  }
  return classifyUncached(sql);
}

function classifyUncached(sql: string): Classification {
  const statements = splitStatements(tokenize(sql));
  if (statements.length === 0) return READ;
  if (statements.length === 1) return classifyStatement(statements[0]!, sql);
  // Several statements: the writer; pin when any of them changes session state or pins.
  const parts = statements.map((st) => classifyStatement(st, sql));
  const stateful = parts.some((p) => p.pin || p.sessionKey || p.begin || p.useSchema || p.unlockTables || p.txnControl || p.nextTrxOnWriter);
  return { target: Target.Write, multi: true, pin: stateful ? 'multi_statement' : undefined };
}

const word = (t: Token | undefined): string | undefined => (t && t.kind === Tok.Word ? t.text : undefined);

function classifyStatement(tokens: Token[], sql: string): Classification {
  const first = tokens[0]!;
  const w0 = first.kind === Tok.Punct && first.text === '(' ? 'SELECT' : word(first);
  const w1 = word(tokens[1]);
  if (hasGetLock(tokens)) return { target: Target.Write, pin: 'get_lock', multi: false };
  switch (w0) {
    case 'KILL':
      return classifyKill(tokens);
    case 'SELECT':
      if (isConnectionIdSelect(tokens)) return CONNECTION_ID;
      return classifySelect(tokens, false);
    case 'WITH':
    case 'VALUES':
    case 'TABLE':
      return classifySelect(tokens, w0 === 'WITH');
    case 'SHOW':
      if (w1 === 'GLOBAL') return READ;
      if (w1 && SHOW_PREVIOUS.has(w1)) return PREVIOUS;
      if (w1 && SHOW_WRITER.has(w1)) return WRITE;
      return READ;
    case 'DESCRIBE':
    case 'DESC':
    case 'EXPLAIN':
    case 'HELP':
      return READ;
    case 'ANALYZE':
      return w1 === 'SELECT' ? classifySelect(tokens.slice(1), false) : WRITE;
    case 'SET':
      return classifySet(tokens);
    case 'USE': {
      const db = tokens[1];
      return { target: Target.Write, useSchema: db ? unquoteIdent(db, sql) : undefined, multi: false };
    }
    case 'BEGIN':
      if (w1 === 'NOT') return WRITE; // BEGIN NOT ATOMIC … END
      return { target: Target.Write, begin: 'rw', multi: false };
    case 'START':
      if (w1 === 'TRANSACTION') {
        const ro = tokens.some((t, i) => t.text === 'READ' && word(tokens[i + 1]) === 'ONLY');
        return { target: ro ? Target.Read : Target.Write, begin: ro ? 'ro' : 'rw', multi: false };
      }
      return WRITE;
    case 'COMMIT':
    case 'ROLLBACK':
    case 'SAVEPOINT':
    case 'RELEASE':
      return { target: Target.Write, txnControl: true, multi: false };
    case 'XA':
      return { target: Target.Write, pin: 'xa', multi: false };
    case 'LOCK':
      return { target: Target.Write, pin: 'lock_tables', multi: false };
    case 'UNLOCK':
      return { target: Target.Write, unlockTables: true, multi: false };
    case 'FLUSH':
      return tokens.some((t) => t.text === 'LOCK') ? { target: Target.Write, pin: 'lock_tables', multi: false } : WRITE;
    case 'CREATE':
      if (tokens.slice(1, 5).some((t) => t.text === 'TEMPORARY')) return { target: Target.Write, pin: 'temp_table', multi: false };
      return WRITE;
    case 'PREPARE':
    case 'EXECUTE':
    case 'DEALLOCATE':
      return { target: Target.Write, pin: 'text_prepare', multi: false };
    case 'DROP':
      return w1 === 'PREPARE' ? { target: Target.Write, pin: 'text_prepare', multi: false } : WRITE;
    case 'HANDLER':
      return { target: Target.Write, pin: 'handler', multi: false };
    default:
      return WRITE;
  }
}

const CONNECTION_ID: Classification = { target: Target.Read, proxy: { kind: 'connection_id' }, multi: false };

/** `SELECT CONNECTION_ID() [[AS] alias]` and nothing else. */
function isConnectionIdSelect(t: Token[]): boolean {
  if (t.length < 4 || t.length > 6 || word(t[1]) !== 'CONNECTION_ID' || t[2]!.text !== '(' || t[3]!.text !== ')') return false;
  if (t.length === 4) return true;
  const alias = t.length === 6 ? (word(t[4]) === 'AS' ? t[5]! : undefined) : t[4]!;
  return alias !== undefined && (alias.kind === Tok.Word || alias.kind === Tok.QuotedIdent || alias.kind === Tok.String) && alias.text !== 'AS';
}

/** `KILL [HARD | SOFT] [CONNECTION | QUERY] <id>`; other forms are refused (they would act on backend threads). */
function classifyKill(t: Token[]): Classification {
  let i = 1;
  if (word(t[i]) === 'HARD' || word(t[i]) === 'SOFT') i++;
  let query = false;
  if (word(t[i]) === 'CONNECTION') i++;
  else if (word(t[i]) === 'QUERY') {
    query = true;
    i++;
  }
  const n = t[i];
  if (n && n.kind === Tok.Number && /^\d{1,10}$/.test(n.text) && i === t.length - 1) {
    const id = Number(n.text);
    if (id <= 0xffffffff) return { target: Target.Write, proxy: { kind: 'kill', query, id }, multi: false };
  }
  const what = word(n) === 'USER' ? 'KILL USER' : word(n) === 'ID' ? 'KILL QUERY ID' : 'KILL with an expression';
  return { target: Target.Write, proxy: { kind: 'unsupported', what: `${what} through db-proxy` }, multi: false };
}

function hasGetLock(tokens: Token[]): boolean {
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (t.kind === Tok.Word && t.text === 'GET_LOCK' && tokens[i + 1]!.text === '(') return true;
  }
  return false;
}

function classifySelect(tokens: Token[], isWith: boolean): Classification {
  let target = Target.Read;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.kind) {
      case Tok.Word: {
        const next = tokens[i + 1];
        if (next && next.kind === Tok.Punct && next.text === '(') {
          if (WRITER_FUNCS.has(t.text)) return WRITE;
          if (PREVIOUS_FUNCS.has(t.text)) target = Target.Previous;
          continue;
        }
        switch (t.text) {
          case 'INTO':
            return tokens.slice(i + 1).some((x) => x.kind === Tok.UserVar) ? { target: Target.Write, pin: 'user_var', multi: false } : WRITE;
          case 'FOR':
            if (word(next) === 'UPDATE' || word(next) === 'SHARE') return WRITE;
            if ((word(next) === 'NEXT' || word(next) === 'PREVIOUS') && word(tokens[i + 2]) === 'VALUE') return WRITE;
            break;
          case 'VALUE':
            if (word(next) === 'FOR' && (tokens[i - 1]?.text === 'NEXT' || tokens[i - 1]?.text === 'PREVIOUS')) return WRITE;
            break;
          case 'LOCK':
            if (word(next) === 'IN') return WRITE;
            break;
          case 'SQL_CALC_FOUND_ROWS':
            return WRITE;
          case 'INSERT':
          case 'UPDATE':
          case 'DELETE':
          case 'REPLACE':
            if (isWith) return WRITE;
            break;
        }
        break;
      }
      case Tok.Punct:
        if (t.text === ':=') return { target: Target.Write, pin: 'user_var', multi: false };
        break;
      case Tok.SysVar:
        if (WRITER_SYSVARS.has(t.text)) return WRITE;
        if (PREVIOUS_SYSVARS.has(t.text)) target = Target.Previous;
        break;
    }
  }
  return target === Target.Read ? READ : PREVIOUS;
}

/** `SET …`: a replayable session command when every value is a literal; otherwise the writer, pinned. */
function classifySet(tokens: Token[]): Classification {
  const w1 = word(tokens[1]);
  const sys1 = tokens[1]?.kind === Tok.SysVar ? tokens[1].text : '';
  if (w1 === 'GLOBAL' || sys1.startsWith('global.')) return WRITE;
  if (w1 === 'TRANSACTION') return { target: Target.Write, nextTrxOnWriter: true, multi: false };
  if ((w1 === 'SESSION' || w1 === 'LOCAL') && word(tokens[2]) === 'TRANSACTION') {
    const iso = tokens.some((t) => t.text === 'ISOLATION');
    const access = tokens.some((t, i) => t.text === 'READ' && (word(tokens[i + 1]) === 'ONLY' || word(tokens[i + 1]) === 'WRITE'));
    return { target: Target.Write, sessionKey: `transaction:${iso ? 'isolation' : ''}${access ? 'access' : ''}`, multi: false };
  }
  if (w1 === 'PASSWORD' || w1 === 'STATEMENT' || w1 === 'DEFAULT') return WRITE;
  if (w1 === 'ROLE') return { target: Target.Write, sessionKey: 'role', multi: false };

  // assignment list
  const names: string[] = [];
  let simple = true;
  let i = 1;
  let minGtid: string | undefined;
  while (i < tokens.length) {
    let t = tokens[i]!;
    let name: string;
    if (t.kind === Tok.Word && (t.text === 'NAMES' || t.text === 'CHARSET' || (t.text === 'CHARACTER' && word(tokens[i + 1]) === 'SET'))) {
      name = 'names';
      i = skipToComma(tokens, i);
      names.push(name);
      continue;
    }
    if (t.kind === Tok.Word && (t.text === 'SESSION' || t.text === 'LOCAL')) t = tokens[++i]!;
    else if (t.kind === Tok.Word && t.text === 'GLOBAL') return WRITE;
    if (!t) return WRITE;
    if (t.kind === Tok.SysVar) {
      if (t.text.startsWith('global.')) return WRITE;
      name = t.text.replace(/^(session|local)\./, '');
    } else if (t.kind === Tok.UserVar) name = '@' + t.text;
    else if (t.kind === Tok.Word || t.kind === Tok.QuotedIdent) name = t.text.toLowerCase();
    else return WRITE;
    i++;
    const op = tokens[i];
    if (!op || (op.text !== '=' && op.text !== ':=')) return WRITE;
    i++;
    const valueStart = i;
    const end = skipToComma(tokens, i);
    if (!isSimpleValue(tokens.slice(valueStart, end))) simple = false;
    if (name === '@scaleout_min_gtid' && end - valueStart === 1 && tokens[valueStart]!.kind === Tok.String) {
      minGtid = unquoteString(tokens[valueStart]!.text);
    }
    names.push(name);
    i = end;
  }
  if (names.length === 0) return WRITE;
  if (minGtid !== undefined && names.length === 1) return { target: Target.Write, minGtid, multi: false };
  if (!simple) return { target: Target.Write, pin: 'set_expression', multi: false };
  return { target: Target.Write, sessionKey: [...new Set(names)].sort().join(','), multi: false };
}

/** Index of the next top-level comma after `i` (+1 to step over it), or the end. */
function skipToComma(tokens: Token[], i: number): number {
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== Tok.Punct) continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) return i + 1;
  }
  return i;
}

function isSimpleValue(v: Token[]): boolean {
  const end = v.length > 0 && v[v.length - 1]!.text === ',' ? v.length - 1 : v.length;
  const t = v.slice(0, end);
  if (t.length === 1) return t[0]!.kind === Tok.String || t[0]!.kind === Tok.Number || t[0]!.kind === Tok.Word || t[0]!.kind === Tok.QuotedIdent;
  if (t.length === 2) {
    if ((t[0]!.text === '-' || t[0]!.text === '+') && t[1]!.kind === Tok.Number) return true;
    if (t[0]!.kind === Tok.Word && t[0]!.text.startsWith('_') && t[1]!.kind === Tok.String) return true;
  }
  if (t.length === 3 && t[0]!.kind === Tok.String && t[1]!.text === 'COLLATE') return true;
  return false;
}

function unquoteIdent(t: Token, sql: string): string {
  if (t.kind === Tok.QuotedIdent) return t.text.slice(1, -1).replace(/``/g, '`');
  return sql.slice(t.start, t.end);
}

function unquoteString(s: string): string {
  return s.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1');
}
