import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfError } from '../errors.js';
import { parseCookies } from '../session/cookies.js';
import { CATALOGUE_KEY, productKey } from '../cache/lb-cache-purger.js';
import { cartCount } from '../shop/cart.js';
import type { ShopSession, ShopSessionData } from '../session/request-session.js';
import type { SafeHtml } from '../views/html.js';
import type { PageContext } from '../views/layout.js';
import type { WebContext } from '../web-context.js';

/** The logged-in user of a session, or null. */
export function userOf(session: ShopSession | null): { id: number; username: string } | null {
  return userOfData(session?.data);
}

export function userOfData(d: ShopSessionData | null | undefined): { id: number; username: string } | null {
  return d && typeof d.userId === 'number' && typeof d.username === 'string' ? { id: d.userId, username: d.username } : null;
}

/** Header and footer data of a page (loads the session when there is a cookie). */
export async function pageContext(ctx: WebContext, request: FastifyRequest): Promise<PageContext> {
  const session = await request.shopSession.load();
  const user = userOf(session);
  return {
    instance: ctx.config.instance,
    username: user?.username ?? null,
    cartCount: cartCount(session?.data),
    csrfToken: session ? request.shopSession.csrfToken() : null,
  };
}

/** A page context that needs no session (error pages while the session service is down). */
export function anonymousContext(ctx: WebContext): PageContext {
  return { instance: ctx.config.instance, username: null, cartCount: 0, csrfToken: null };
}

export function sendHtml(reply: FastifyReply, status: number, page: SafeHtml): FastifyReply {
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  return reply.code(status).type('text/html; charset=utf-8').send(page.value);
}

/**
 * An answer the LBs' page cache may share: only when the request carries no session cookie (then
 * `public, max-age=0, s-maxage, stale-while-revalidate` and `Surrogate-Key`); with a session the
 * answer stays `no-store` (set by default elsewhere).
 */
export function shareable(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, keys: readonly string[]): void {
  const { sharedCacheTtl, sharedCacheSwr, cookieName } = ctx.config;
  if (sharedCacheTtl <= 0 || parseCookies(request.headers.cookie).has(cookieName)) return;
  reply.header('cache-control', `public, max-age=0, s-maxage=${Math.floor(sharedCacheTtl / 1000)}, stale-while-revalidate=${Math.floor(sharedCacheSwr / 1000)}`);
  reply.header('surrogate-key', keys.join(' '));
}

/** Form POSTs: the `_csrf` field must be the token of the request's session. */
export function checkFormCsrf(request: FastifyRequest, token: unknown): void {
  if (!request.shopSession.verifyCsrf(token)) throw new CsrfError();
}

/**
 * JSON API calls that change state (they authenticate with the session cookie, which a browser
 * attaches to cross-site requests too): the request must carry `X-Requested-With` (a custom header,
 * which a cross-site page can only send after a CORS preflight that we never approve), and an `Origin`
 * header, when present, must be this site's own origin or one of `WEB_ALLOWED_ORIGINS`.
 */
export function checkApiCsrf(ctx: WebContext, request: FastifyRequest): void {
  const marker = request.headers['x-requested-with'];
  if (typeof marker !== 'string' || marker.trim() === '') {
    throw new CsrfError('state-changing API calls need an X-Requested-With header');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const own = `${request.protocol}://${request.host}`;
  if (origin !== own && !ctx.config.allowedOrigins.includes(origin)) throw new CsrfError(`origin ${origin} is not allowed`);
}

/** A local redirect target (`/path`), never another site (`//host`, `https://…`). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length <= 200 ? next : '/';
}

/** Surrogate keys of a catalogue page: `catalogue` and every product on it. */
export function catalogueKeys(items: ReadonlyArray<{ id: number }>): string[] {
  return [CATALOGUE_KEY, ...items.map((i) => productKey(i.id))];
}
