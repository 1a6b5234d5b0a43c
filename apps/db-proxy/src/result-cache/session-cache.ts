import { GtidPosition } from '@scaleout/replication';
import type { CacheRule } from './cache-rules.js';
import type { FillSource, FillTicket, ResultCache } from './result-cache.js';
import { analyzeRead, writtenTables, type WriteSet } from './statement-tables.js';

/** What a session tells its cache helper about itself when a rule matched. */
export interface SessionView {
  user: string;
  profileKey: string;
  schema: string | undefined;
  /** Session commands replayed on every backend (SET NAMES, sql_mode, time_zone …) in order. */
  history: { seq: number; entries: () => { key: string; payload: Buffer }[] };
  /** Why the session cannot use the cache now, if it cannot. */
  bypass: 'transaction' | 'session' | undefined;
}

export type Lookup = { type: 'hit'; bytes: Buffer } | { type: 'miss'; ticket: FillTicket } | { type: 'bypass' };

const IN_TRANS = 0x0001;
const HUGE = 4096;

/**
 * The result cache as one client session uses it: lookups, capturing a miss's response bytes as they are
 * relayed, and invalidating the tables of the session's writes (again when its transaction ends, since
 * other sessions may have cached the old rows while it was open).
 */
export class SessionCache {
  readonly #rc: ResultCache;
  #capture: Buffer[] | undefined;
  #captured = 0;
  #historySeq = -1;
  #historyText = '';
  #trxWrites: WriteSet | undefined;

  constructor(rc: ResultCache) {
    this.#rc = rc;
  }

  match(sql: string): CacheRule | undefined {
    return this.#rc.match(sql);
  }

  lookup(sql: string, rule: CacheRule, s: SessionView): Lookup {
    const m = this.#rc.metrics;
    if (s.bypass) {
      m.bypass.inc({ reason: s.bypass });
      return { type: 'bypass' };
    }
    const a = analyzeRead(sql, s.schema);
    if (!a.cacheable) {
      m.bypass.inc({ reason: a.reason });
      return { type: 'bypass' };
    }
    if (s.history.seq !== this.#historySeq) {
      this.#historySeq = s.history.seq;
      this.#historyText = s.history
        .entries()
        .map((e) => `${e.key}=${e.payload.toString('latin1')}`)
        .join('\u0001');
    }
    const key = `${s.user}\u0000${s.profileKey}\u0000${s.schema ?? ''}\u0000${this.#historyText}\u0000${sql}`;
    const bytes = this.#rc.get(key, rule);
    if (bytes) return { type: 'hit', bytes };
    return { type: 'miss', ticket: this.#rc.ticket(key, rule, a.tables) };
  }

  /** Starts collecting the bytes relayed to the client (the miss's response). */
  startCapture(): void {
    this.#capture = [];
    this.#captured = 0;
  }

  /** Called with every chunk written to the client; stops collecting past the entry size limit. */
  captured(chunk: Buffer): void {
    if (!this.#capture) return;
    this.#captured += chunk.length;
    if (this.#captured > this.#rc.maxEntryBytes) this.#capture = undefined;
    else this.#capture.push(chunk);
  }

  /**
   * Ends the capture; stores the response if it completed as a result set (`complete`), the session is
   * still outside a transaction, and the ticket is still valid.
   */
  finishCapture(ticket: FillTicket, complete: boolean, outsideTransaction: boolean, source: FillSource | undefined): void {
    const chunks = this.#capture;
    const tooLarge = chunks === undefined && this.#captured > this.#rc.maxEntryBytes;
    this.#capture = undefined;
    const m = this.#rc.metrics;
    if (tooLarge) {
      m.notStored.inc({ reason: 'too_large' });
      return;
    }
    if (!chunks || !complete || !outsideTransaction || !source || chunks.length === 0) {
      m.notStored.inc({ reason: 'error' });
      return;
    }
    const bytes = Buffer.concat(chunks);
    // a response that is a single ERR packet (0xff after the 4-byte header) is never cached
    if (bytes.length < 5 || bytes[4] === 0xff) {
      m.notStored.inc({ reason: 'error' });
      return;
    }
    this.#rc.store(ticket, bytes, source);
  }

  /**
   * After a statement that may write (`sql`: its text, or the prepared statement's), with the response's
   * status flags and the session's GTID position (empty when the session does not track GTIDs).
   */
  afterStatement(sql: string | undefined, schema: string | undefined, status: number, pos: GtidPosition): void {
    const inTrx = (status & IN_TRANS) !== 0;
    if (sql !== undefined) {
      let w: WriteSet;
      if (sql.length > HUGE) {
        // a huge statement is judged by its beginning (a bulk INSERT); more than one statement: unknown
        const head = sql.slice(0, HUGE);
        w = head.includes(';') ? 'all' : writtenTables(head, schema);
      } else w = writtenTables(sql, schema);
      if (w === 'all' || w.length > 0) {
        this.#rc.invalidate(w, pos, 'local');
        if (inTrx) this.#trxWrites = mergeWrites(this.#trxWrites, w);
      }
    }
    if (!inTrx && this.#trxWrites !== undefined) this.#endTransaction(pos);
  }

  /** The session ended (its transaction, if any, rolled back or committed unseen): invalidate what it wrote. */
  closed(): void {
    if (this.#trxWrites !== undefined) this.#endTransaction(GtidPosition.EMPTY);
  }

  #endTransaction(pos: GtidPosition): void {
    const w = this.#trxWrites!;
    this.#trxWrites = undefined;
    this.#rc.invalidate(w, pos, 'local');
  }
}

function mergeWrites(a: WriteSet | undefined, b: WriteSet): WriteSet {
  if (a === 'all' || b === 'all') return 'all';
  return a === undefined ? [...b] : [...new Set([...a, ...b])];
}
