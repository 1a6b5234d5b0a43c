import { randomId } from '@scaleout/hashing';
import { isMemcacheError, MemcacheError, type CacheItem, type CasToken, type MemcacheRing } from '@scaleout/memcache';
import type { Logger } from '@scaleout/service';
import {
  DurableUnavailableError,
  SessionConflictError,
  SessionError,
  SessionNotFoundError,
  SessionTooLargeError,
  SessionUnavailableError,
  VersionMismatchError,
} from './errors.js';
import type { MariadbSessionStore } from './mariadb-session-store.js';
import type { SessionMetrics } from './session-metrics.js';
import { TOMBSTONE, decodeRecord, encodeRecord, isExpired, itemExpiresAt, type SessionRecord } from './session-record.js';

export interface SessionStoreOptions {
  ring: MemcacheRing;
  /** The durable tier (write-through); omitted when off. */
  durable?: MariadbSessionStore;
  idleTtlMs: number;
  absoluteTtlMs: number;
  maxDataBytes: number;
  metrics?: SessionMetrics;
  logger?: Logger;
  now?: () => number;
}

/** A session and where it was read from: a memcached node (`host:port`), or `mariadb` for the durable tier. */
export interface StoredSession {
  record: SessionRecord;
  node?: string;
}

interface Current {
  record: SessionRecord;
  /** CAS token of the memcached copy; absent when the record came from the durable tier only. */
  token?: CasToken;
  node: string;
}

/** `If-Match` value: a version, or `*` (any existing version). */
export type IfMatch = number | '*';

/** CAS losses to a touch (same version) are retried this many times before giving up with 412. */
const CAS_ATTEMPTS = 5;
const ID_ATTEMPTS = 3;

/**
 * Session semantics over the memcached ring (and the optional durable tier):
 * - ids are 128-bit CSPRNG values (`randomId`); the record carries a version used for `If-Match`;
 * - replace is read (`gets`) → version check → memcached CAS on the first answering replica, so of two
 *   concurrent replaces of one version exactly one wins; a CAS lost to a touch (version unchanged) is
 *   retried;
 * - idle expiry moves on touch and replace, never past the absolute lifetime fixed at creation; the
 *   memcached TTL is the earlier of the two;
 * - delete and rotation write a tombstone (kept one idle TTL) instead of deleting, so a replica that
 *   missed the delete cannot resurrect the session through read-repair;
 * - durable mode writes MariaDB first (its `WHERE version = ?` is the final guard), then memcached;
 *   reads fall back to MariaDB when no replica has a copy and repopulate memcached.
 */
export class SessionStore {
  readonly #ring: MemcacheRing;
  readonly #durable: MariadbSessionStore | undefined;
  readonly #idle: number;
  readonly #absolute: number;
  readonly #maxData: number;
  readonly #metrics: SessionMetrics | undefined;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;

  constructor(o: SessionStoreOptions) {
    this.#ring = o.ring;
    this.#durable = o.durable;
    this.#idle = o.idleTtlMs;
    this.#absolute = o.absoluteTtlMs;
    this.#maxData = o.maxDataBytes;
    this.#metrics = o.metrics;
    this.#logger = o.logger;
    this.#now = o.now ?? Date.now;
  }

  get durable(): boolean {
    return this.#durable !== undefined;
  }

  async create(data: Record<string, unknown>): Promise<StoredSession> {
    this.#checkSize(data);
    const now = this.#now();
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const absoluteExpiresAt = now + this.#absolute;
      const record: SessionRecord = {
        id: randomId(16),
        version: 1,
        data,
        createdAt: now,
        idleExpiresAt: Math.min(now + this.#idle, absoluteExpiresAt),
        absoluteExpiresAt,
      };
      if (this.#durable) {
        record.durableAt = now;
        if (!(await this.#db('insert', () => this.#durable!.insert(record)))) continue; // id collision
        await this.#cacheBestEffort(record, 'add');
        return { record };
      }
      if (await this.#mc(() => this.#ring.add(record.id, encodeRecord(record), { expiresAt: itemExpiresAt(record) }))) return { record };
    }
    throw new SessionUnavailableError('could not allocate a fresh session id');
  }

  async get(id: string): Promise<StoredSession> {
    const { record, node } = await this.#current(id, false);
    return { record, node };
  }

  async replace(id: string, ifMatch: IfMatch, data: Record<string, unknown>): Promise<StoredSession> {
    this.#checkSize(data);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.#current(id);
      if (ifMatch !== '*' && cur.record.version !== ifMatch) {
        this.#metrics?.conflict('replace', 'rejected');
        throw new VersionMismatchError(ifMatch, cur.record.version);
      }
      const now = this.#now();
      const next: SessionRecord = {
        ...cur.record,
        version: cur.record.version + 1,
        data,
        idleExpiresAt: Math.min(now + this.#idle, cur.record.absoluteExpiresAt),
      };
      if (this.#durable) {
        next.durableAt = now;
        if (!(await this.#db('update', () => this.#durable!.update(next, cur.record.version)))) {
          // Someone else's write committed first; our cached copy is stale.
          this.#metrics?.conflict('replace', 'rejected');
          await this.#ring.delete(id).catch(() => false);
          throw new VersionMismatchError(cur.record.version, undefined);
        }
        await this.#writeBack(id, next, cur.token);
        return { record: next, node: cur.node };
      }
      const r = await this.#mc(() => this.#ring.cas(id, encodeRecord(next), cur.token!, { expiresAt: itemExpiresAt(next) }));
      if (r === 'stored') return { record: next, node: cur.node };
      if (r === 'not_found') throw new SessionNotFoundError();
      this.#metrics?.conflict('replace', 'retried'); // changed since we read it: re-read and re-check the version
    }
    this.#metrics?.conflict('replace', 'rejected');
    throw new VersionMismatchError(typeof ifMatch === 'number' ? ifMatch : 0, undefined);
  }

  async touch(id: string): Promise<StoredSession> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.#current(id);
      const now = this.#now();
      const next: SessionRecord = { ...cur.record, idleExpiresAt: Math.min(now + this.#idle, cur.record.absoluteExpiresAt) };
      if (this.#durable) {
        // Lazy persistence: at most one MariaDB write per quarter idle TTL per session.
        if (now - (cur.record.durableAt ?? 0) >= this.#idle / 4) {
          await this.#db('touch', () => this.#durable!.touch(id, next.idleExpiresAt));
          next.durableAt = now;
        }
        if (!cur.token) {
          await this.#cacheBestEffort(next, 'set');
          return { record: next, node: cur.node };
        }
      }
      let r;
      try {
        r = await this.#ring.cas(id, encodeRecord(next), cur.token!, { expiresAt: itemExpiresAt(next) });
      } catch (err) {
        if (this.#durable && isUnavailable(err)) return { record: next, node: cur.node };
        throw mapError(err);
      }
      if (r === 'stored') return { record: next, node: cur.node };
      if (r === 'not_found') throw new SessionNotFoundError();
      this.#metrics?.conflict('touch', 'retried');
    }
    this.#metrics?.conflict('touch', 'rejected');
    throw new SessionConflictError('the session kept changing while it was touched; retry');
  }

  async delete(id: string): Promise<void> {
    const cur = await this.#current(id);
    if (this.#durable) await this.#db('delete', () => this.#durable!.delete(id));
    await this.#tombstone(id, cur.record);
  }

  async rotate(id: string): Promise<StoredSession> {
    const cur = await this.#current(id);
    const now = this.#now();
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const next: SessionRecord = {
        ...cur.record,
        id: randomId(16),
        version: cur.record.version + 1,
        idleExpiresAt: Math.min(now + this.#idle, cur.record.absoluteExpiresAt),
      };
      if (this.#durable) {
        next.durableAt = now;
        const outcome = await this.#db('rotate', () => this.#durable!.rotate(id, cur.record.version, next));
        if (outcome === 'not_found') throw new SessionNotFoundError();
        if (outcome === 'conflict') {
          this.#metrics?.conflict('rotate', 'rejected');
          throw new SessionConflictError('the session changed during rotation; retry');
        }
        await this.#cacheBestEffort(next, 'add');
        await this.#tombstone(id, cur.record).catch(() => undefined);
        return { record: next };
      }
      if (!(await this.#mc(() => this.#ring.add(next.id, encodeRecord(next), { expiresAt: itemExpiresAt(next) })))) continue;
      // The old id goes only if it is unchanged since we read it; otherwise undo the new one.
      const r = await this.#mc(() => this.#ring.cas(id, TOMBSTONE, cur.token!, { ttl: this.#tombstoneTtl(cur.record) }));
      if (r !== 'stored') {
        await this.#ring.set(next.id, TOMBSTONE, { ttl: this.#tombstoneTtl(next) }).catch(() => undefined);
        if (r === 'not_found') throw new SessionNotFoundError();
        this.#metrics?.conflict('rotate', 'rejected');
        throw new SessionConflictError('the session changed during rotation; retry');
      }
      return { record: next };
    }
    throw new SessionUnavailableError('could not allocate a fresh session id');
  }

  // --- internals ------------------------------------------------------------------------------------

  /**
   * The live record (memcached; with its CAS token when `withToken`), falling back to the durable
   * tier; 404 otherwise. Plain reads use `get`: `gets` also repairs a missing first replica.
   */
  async #current(id: string, withToken = true): Promise<Current> {
    let item: (CacheItem & { token?: CasToken }) | null;
    try {
      item = withToken ? await this.#ring.gets(id) : await this.#ring.get(id);
    } catch (err) {
      if (this.#durable && isUnavailable(err)) return this.#fromDurable(id, false);
      throw mapError(err);
    }
    if (item) {
      const rec = this.#valid(id, item.value);
      if (rec === 'tombstone') throw new SessionNotFoundError();
      if (rec) return { record: rec, token: item.token, node: item.node };
    }
    if (this.#durable) return this.#fromDurable(id, true);
    throw new SessionNotFoundError();
  }

  /** Reads the durable tier; with `repopulate`, adds the record back to memcached and returns its token. */
  async #fromDurable(id: string, repopulate: boolean): Promise<Current> {
    const rec = await this.#db('load', () => this.#durable!.load(id));
    if (!rec || isExpired(rec, this.#now())) throw new SessionNotFoundError();
    rec.durableAt = this.#now();
    if (repopulate) {
      try {
        await this.#ring.add(id, encodeRecord(rec), { expiresAt: itemExpiresAt(rec) });
        const item = await this.#ring.gets(id);
        const cached = item ? this.#valid(id, item.value) : null;
        if (item && cached && cached !== 'tombstone') return { record: cached, token: item.token, node: item.node };
      } catch (err) {
        this.#logger?.warn({ err }, 'could not repopulate memcached from the durable tier');
      }
    }
    return { record: rec, node: 'mariadb' };
  }

  /** Durable mode: after MariaDB committed `next`, update memcached (CAS when we hold a token). */
  async #writeBack(id: string, next: SessionRecord, token: CasToken | undefined): Promise<void> {
    try {
      if (token) {
        const r = await this.#ring.cas(id, encodeRecord(next), token, { expiresAt: itemExpiresAt(next) });
        if (r === 'stored') return;
        await this.#ring.delete(id); // changed under us: drop it, the next read reloads from MariaDB
        return;
      }
      await this.#ring.set(id, encodeRecord(next), { expiresAt: itemExpiresAt(next) });
    } catch (err) {
      this.#logger?.warn({ err }, 'memcached write-back failed; MariaDB holds the session');
      await this.#ring.delete(id).catch(() => false);
    }
  }

  async #cacheBestEffort(rec: SessionRecord, how: 'add' | 'set'): Promise<void> {
    try {
      if (how === 'add') await this.#ring.add(rec.id, encodeRecord(rec), { expiresAt: itemExpiresAt(rec) });
      else await this.#ring.set(rec.id, encodeRecord(rec), { expiresAt: itemExpiresAt(rec) });
    } catch (err) {
      this.#logger?.warn({ err }, 'memcached write failed; MariaDB holds the session');
    }
  }

  async #tombstone(id: string, rec: SessionRecord): Promise<void> {
    await this.#mc(() => this.#ring.set(id, TOMBSTONE, { ttl: this.#tombstoneTtl(rec) }));
  }

  /**
   * A tombstone must outlive any stale copy of the session: a copy cannot live past its last write
   * plus one idle TTL, nor past the absolute expiry.
   */
  #tombstoneTtl(rec: SessionRecord): number {
    const until = Math.min(this.#now() + this.#idle, rec.absoluteExpiresAt);
    return Math.max(1, Math.ceil((until - this.#now()) / 1000) + 1);
  }

  #valid(id: string, raw: Buffer): SessionRecord | 'tombstone' | null {
    const rec = decodeRecord(raw);
    if (rec === 'tombstone') return rec;
    if (!rec || rec.id !== id) {
      this.#logger?.warn({ id }, 'ignoring a malformed session record in memcached');
      return null;
    }
    return isExpired(rec, this.#now()) ? null : rec;
  }

  #checkSize(data: Record<string, unknown>): void {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > this.#maxData) throw new SessionTooLargeError(bytes, this.#maxData);
  }

  async #mc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapError(err);
    }
  }

  async #db<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      const r = await fn();
      const conflict = r === 'conflict' || (op === 'update' && r === false);
      this.#metrics?.durable(op, conflict ? 'conflict' : r === false || r === null || r === 'not_found' ? 'miss' : 'ok');
      return r;
    } catch (err) {
      this.#metrics?.durable(op, 'error');
      this.#logger?.error({ err, op }, 'durable tier call failed');
      throw new DurableUnavailableError(err);
    }
  }
}

function isUnavailable(err: unknown): boolean {
  return isMemcacheError(err, 'MEMCACHE_ERR_UNAVAILABLE', 'MEMCACHE_ERR_NODE_DOWN');
}

/** Ring errors a client may see, as session errors; anything else is a bug and stays a 500. */
export function mapError(err: unknown): unknown {
  if (!(err instanceof MemcacheError)) return err;
  switch (err.code) {
    case 'MEMCACHE_ERR_UNAVAILABLE':
    case 'MEMCACHE_ERR_NODE_DOWN':
    case 'MEMCACHE_ERR_BAD_TOKEN':
    case 'MEMCACHE_ERR_TIMEOUT':
    case 'MEMCACHE_ERR_CONNECTION':
    case 'MEMCACHE_ERR_CLOSED':
      return new SessionUnavailableError('no memcached replica answered', err);
    case 'MEMCACHE_ERR_TOO_LARGE':
      return new SessionError('SESSION_ERR_TOO_LARGE', 413, 'the session record is over the memcached item size');
    default:
      return err;
  }
}
