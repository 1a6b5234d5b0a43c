import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Signer } from '@scaleout/hashing';
import { CartConflictError } from '../errors.js';
import type { WebMetrics } from '../web-metrics.js';
import { parseCookies, serializeCookie } from './cookies.js';
import type { CsrfTokens } from './csrf.js';
import type { SessionClient, SessionRecord } from './session-client.js';

/** What the shop keeps in a session. Small on purpose: ids and quantities, never product data. */
export interface ShopSessionData {
  userId?: number;
  username?: string;
  /** Product id (as a string key) → quantity. */
  cart?: Record<string, number>;
}

export type ShopSession = SessionRecord<ShopSessionData>;

export interface RequestSessionDeps {
  client: SessionClient;
  signer: Signer;
  csrf: CsrfTokens;
  cookieName: string;
  /**
   * Touch a session (extend its idle lifetime) when it would expire within this many ms: the session
   * service's GET does not extend it, only touch and replace do. Default 20 minutes.
   */
  touchWithinMs?: number;
  metrics?: WebMetrics;
}

/** Attempts of a read-modify-write before giving up with {@link CartConflictError}. */
const MAX_WRITE_ATTEMPTS = 24;

/** Full-jitter back-off between conflicting writes: random up to 4 ms × 2^attempt, at most 200 ms. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 4 * 2 ** attempt);
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The session of one request, loaded lazily from the session service. The cookie holds only the
 * signed session id (`<id>.<hmac>`); a cookie whose signature does not verify is ignored. Writes use the
 * session version for optimistic concurrency: read, change, `PUT` with `If-Match`; on 412 read again
 * and re-apply the change (after a short random back-off), so two replicas changing one cart at once
 * both land.
 */
export class RequestSession {
  readonly #deps: RequestSessionDeps;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  #id: string | null;
  #loaded: ShopSession | null | undefined;

  constructor(deps: RequestSessionDeps, request: FastifyRequest, reply: FastifyReply) {
    this.#deps = deps;
    this.#request = request;
    this.#reply = reply;
    const raw = parseCookies(request.headers.cookie).get(deps.cookieName);
    this.#id = raw ? deps.signer.unsign(raw) : null;
  }

  /** The session id from a valid cookie (or set during this request), else null. */
  get id(): string | null {
    return this.#id;
  }

  /** The session, or null when there is none (no cookie, or it expired: the cookie is then cleared). */
  async load(): Promise<ShopSession | null> {
    if (this.#loaded !== undefined) return this.#loaded;
    if (!this.#id) return (this.#loaded = null);
    const found = await this.#deps.client.get<ShopSessionData>(this.#id);
    if (!found) {
      this.#id = null;
      this.#clearCookie();
    } else if (this.#expiresSoon(found)) {
      // Keep an active session alive; a failed touch does not fail the request.
      await this.#deps.client.touch(found.id).catch(() => false);
    }
    this.#loaded = found;
    return found;
  }

  /** The session, created (and its cookie set) when there is none. */
  async ensure(): Promise<ShopSession> {
    const existing = await this.load();
    if (existing) return existing;
    const created = await this.#deps.client.create<ShopSessionData>({});
    this.#adopt(created);
    return created;
  }

  /**
   * Applies `change` to the session data and stores it with optimistic concurrency: on a conflict the
   * session is read again and `change` re-applied (so it must be a pure function of the data). Creates
   * the session when there is none.
   */
  async update(change: (data: ShopSessionData) => ShopSessionData): Promise<ShopSession> {
    const existing = await this.load();
    if (!existing) {
      const created = await this.#deps.client.create<ShopSessionData>(change({}));
      this.#adopt(created);
      return created;
    }
    let current = existing;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const next = change(structuredClone(current.data));
      const stored = await this.#deps.client.replace<ShopSessionData>(current.id, current.version, next);
      if (stored === 'conflict') {
        this.#deps.metrics?.sessionConflicts.inc();
        await backoff(attempt);
        const again = await this.#deps.client.get<ShopSessionData>(current.id);
        if (again) {
          current = again;
          continue;
        }
      } else if (stored) {
        this.#loaded = stored;
        return stored;
      }
      // The session vanished (expired, or rotated by a concurrent login): start a new one.
      this.#loaded = null;
      this.#id = null;
      current = await this.ensure();
    }
    throw new CartConflictError();
  }

  /**
   * Gives the session a new id (same data, the old id stops working) and sets the cookie: done on
   * login and logout against session fixation. Creates a session when there is none.
   */
  async rotate(): Promise<ShopSession> {
    const current = await this.ensure();
    const rotated = await this.#deps.client.rotate<ShopSessionData>(current.id);
    if (rotated) {
      this.#adopt(rotated);
      return rotated;
    }
    this.#loaded = null;
    this.#id = null;
    return this.ensure();
  }

  /** Login: a new session id (against fixation), then the user in the session data. */
  async logIn(user: { id: number; username: string }): Promise<ShopSession> {
    await this.rotate();
    return this.update((d) => ({ ...d, userId: user.id, username: user.username }));
  }

  /** Logout: a new session id, then empty session data (the cart goes too). */
  async logOut(): Promise<ShopSession> {
    await this.rotate();
    return this.update(() => ({}));
  }

  /** Deletes the session and the cookie. */
  async destroy(): Promise<void> {
    if (this.#id) await this.#deps.client.delete(this.#id);
    this.#id = null;
    this.#loaded = null;
    this.#clearCookie();
  }

  /** The CSRF token for forms of this session (call {@link ensure} first). */
  csrfToken(): string {
    if (!this.#id) throw new Error('csrfToken() needs a session: call ensure() first');
    return this.#deps.csrf.tokenFor(this.#id);
  }

  verifyCsrf(token: unknown): boolean {
    return this.#deps.csrf.verify(this.#id, token);
  }

  #expiresSoon(record: ShopSession): boolean {
    const at = Date.parse(record.expiresAt);
    if (!Number.isFinite(at)) return false;
    return at - Date.now() < (this.#deps.touchWithinMs ?? 20 * 60_000);
  }

  #adopt(record: ShopSession): void {
    this.#id = record.id;
    this.#loaded = record;
    this.#reply.header(
      'set-cookie',
      serializeCookie(this.#deps.cookieName, this.#deps.signer.sign(record.id), {
        httpOnly: true,
        sameSite: 'Lax',
        secure: this.#request.protocol === 'https',
      }),
    );
  }

  #clearCookie(): void {
    this.#reply.header(
      'set-cookie',
      serializeCookie(this.#deps.cookieName, '', { httpOnly: true, sameSite: 'Lax', secure: this.#request.protocol === 'https', maxAge: 0 }),
    );
  }
}
