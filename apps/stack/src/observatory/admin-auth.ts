import { randomId } from '@scaleout/hashing';
import { bearerChecker } from '@scaleout/service';
import { StackError } from '../stack-error.js';

/** Name of the control server's admin-session cookie (HttpOnly, SameSite=Strict, no Max-Age). */
export const ADMIN_COOKIE = 'scaleout_admin';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  method: string;
}

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d+)?$/i;

/** Whether a `Host` header value or an origin's host is a loopback name. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function cookieValue(req: RequestLike, name: string): string | undefined {
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Who may act on the stack. The CLI sends the admin token as a bearer token; the page exchanges the
 * token once for an admin session kept in an HttpOnly cookie of the control server (never in a URL or
 * in page storage). Requests from a page served elsewhere (an `Origin` or `Host` that is not loopback)
 * are refused unless they carry the token itself, so another site open in the same browser cannot use
 * the cookie, and DNS rebinding gets nowhere.
 */
export class AdminAuth {
  readonly #bearer: (authorization: string | undefined) => boolean;
  readonly #token: string;
  readonly #sessions = new Map<string, number>();

  constructor(
    token: string,
    readonly sessionMs = 12 * 3600_000,
  ) {
    this.#token = token;
    this.#bearer = bearerChecker(token);
  }

  hasBearer(req: RequestLike): boolean {
    return this.#bearer(header(req, 'authorization'));
  }

  /** Refuses a request whose Origin or Host is not loopback, unless it carries the token. */
  checkOrigin(req: RequestLike): void {
    if (this.hasBearer(req)) return;
    const origin = header(req, 'origin');
    if (origin !== undefined && origin !== 'null') {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        throw new StackError('STACK_ERR_ORIGIN', `origin "${origin}" is not a URL`, 403);
      }
      if (!isLoopbackHost(host)) throw new StackError('STACK_ERR_ORIGIN', `requests from ${origin} need the admin token`, 403);
    }
    const host = header(req, 'host');
    if (host !== undefined && !isLoopbackHost(host)) throw new StackError('STACK_ERR_ORIGIN', `host "${host}" is not a loopback address; use the admin token`, 403);
  }

  /** Exchanges the token for a session id (the cookie value); throws on a wrong token. */
  login(token: unknown): string {
    const given = typeof token === 'string' ? token : '';
    if (!this.#bearer(`Bearer ${given}`)) throw new StackError('STACK_ERR_UNAUTHORIZED', 'wrong admin token (SCALEOUT_ADMIN_TOKEN)', 401);
    this.#prune();
    const id = randomId();
    this.#sessions.set(id, Date.now() + this.sessionMs);
    return id;
  }

  logout(req: RequestLike): void {
    const id = cookieValue(req, ADMIN_COOKIE);
    if (id) this.#sessions.delete(id);
  }

  /** A valid admin session cookie (state-changing calls also need a loopback Origin, checked first). */
  hasSession(req: RequestLike): boolean {
    const id = cookieValue(req, ADMIN_COOKIE);
    const until = id ? this.#sessions.get(id) : undefined;
    return until !== undefined && until > Date.now();
  }

  authorized(req: RequestLike): boolean {
    return this.hasBearer(req) || this.hasSession(req);
  }

  /** preHandler of every state-changing route. */
  require(req: RequestLike): void {
    this.checkOrigin(req);
    if (!this.authorized(req)) {
      throw new StackError('STACK_ERR_UNAUTHORIZED', 'missing or wrong admin token (SCALEOUT_ADMIN_TOKEN): send it as a bearer token, or log in on the page', 401);
    }
  }

  cookie(id: string, secure = false): string {
    return `${ADMIN_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** Used by in-process callers that act with the token (e.g. the LB admin calls). */
  get token(): string {
    return this.#token;
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, until] of this.#sessions) if (until <= now) this.#sessions.delete(id);
  }
}
