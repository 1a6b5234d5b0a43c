import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for HTML forms (synchronizer-token pattern without storage): the token is
 * HMAC-SHA256(secret, "csrf:" + session id) in base64url. Only someone who knows the session id (in an
 * HttpOnly cookie) and the server secret can produce it; it changes whenever the session id rotates
 * (login, logout), and any replica can check it without shared state.
 */
export class CsrfTokens {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(`csrf\0${secret}`, 'utf8');
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.#secret).update(`csrf:${sessionId}`).digest('base64url');
  }

  verify(sessionId: string | null, token: unknown): boolean {
    if (!sessionId || typeof token !== 'string' || token.length !== 43) return false;
    const expected = Buffer.from(this.tokenFor(sessionId), 'latin1');
    const given = Buffer.from(token, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
