import type { SessionView } from '@scaleout/contracts';

/** A session as stored in memcached (JSON) and in the durable tier. Times are Unix ms. */
export interface SessionRecord {
  id: string;
  /** Starts at 1, +1 on every replace and rotation; the `If-Match` / `ETag` value. */
  version: number;
  data: Record<string, unknown>;
  createdAt: number;
  /** Moves forward on touch and replace (never past `absoluteExpiresAt`). */
  idleExpiresAt: number;
  /** Fixed at creation: the absolute lifetime. */
  absoluteExpiresAt: number;
  /** Durable mode: when the durable tier last recorded `idleExpiresAt` (touches are persisted lazily). */
  durableAt?: number;
}

/** What a client sees: the contract between the session service and its clients. */
export type { SessionView } from '@scaleout/contracts';

/** Written over a deleted or rotated-away id so a stale replica copy cannot bring it back. */
export const TOMBSTONE = '{"deleted":true}';

export function expiresAtOf(r: SessionRecord): number {
  return Math.min(r.idleExpiresAt, r.absoluteExpiresAt);
}

/**
 * memcached expires items on whole-second ticks of its own clock, so an item asked to live 0.6 s more
 * may be gone at the next tick (well before its time). Items therefore live this much longer in
 * memcached than the session does; reads check {@link isExpired} against the exact expiry.
 */
export const ITEM_EXPIRY_SLACK_MS = 2000;

/** When the memcached item holding `r` may be dropped: the session's expiry plus the slack. */
export function itemExpiresAt(r: SessionRecord): number {
  return expiresAtOf(r) + ITEM_EXPIRY_SLACK_MS;
}

export function isExpired(r: SessionRecord, now: number): boolean {
  return now >= expiresAtOf(r);
}

export function toView(r: SessionRecord): SessionView {
  return { id: r.id, version: r.version, data: r.data, expiresAt: new Date(expiresAtOf(r)).toISOString() };
}

export function encodeRecord(r: SessionRecord): string {
  return JSON.stringify(r);
}

/** A stored value: a record, a tombstone, or `null` when it is not a session record at all. */
export function decodeRecord(raw: Buffer | string): SessionRecord | 'tombstone' | null {
  let v: unknown;
  try {
    v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.deleted === true) return 'tombstone';
  if (
    typeof o.id !== 'string' ||
    !Number.isSafeInteger(o.version) ||
    typeof o.data !== 'object' ||
    o.data === null ||
    Array.isArray(o.data) ||
    typeof o.createdAt !== 'number' ||
    typeof o.idleExpiresAt !== 'number' ||
    typeof o.absoluteExpiresAt !== 'number'
  ) {
    return null;
  }
  return o as unknown as SessionRecord;
}
