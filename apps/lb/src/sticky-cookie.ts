import { createSigner, type Signer } from '@scaleout/hashing';

export interface StickyOptions {
  /** Cookie name (HAProxy's `cookie SRV`). */
  name: string;
  /** Signing secrets: the first signs, all verify (rotation). At least 32 bytes each. */
  secrets: readonly string[];
  sameSite: 'Lax' | 'Strict' | 'None';
  httpOnly: boolean;
  /** Max-Age in seconds; 0 = a session cookie. */
  maxAgeSeconds: number;
  /** Move clients pinned to a draining server to another one (sessions live in the session service). */
  moveDraining: boolean;
}

/** What a request's Cookie header says about stickiness. */
export interface StickyRead {
  /** The LB cookie's value, when present. */
  value: string | null;
  /** The Cookie header without the LB cookie (null when nothing else is left). */
  rest: string | null;
}

/**
 * The sticky cookie: `insert` (the LB sets it), `indirect` (removed from requests before they reach
 * the server, set again only when the server changes), `nocache` (responses that set it get
 * `Cache-Control: private`). Its value is `<server cookie id>.<HMAC>`: the id is itself an opaque hash,
 * so the cookie never reveals an address, and a forged value fails verification.
 */
export class StickyCookie {
  readonly options: StickyOptions;
  readonly #signer: Signer;
  readonly #verified = new Map<string, string | null>();
  readonly #signed = new Map<string, string>();
  readonly #prefix: string;

  constructor(options: StickyOptions) {
    this.options = options;
    this.#signer = createSigner(options.secrets);
    this.#prefix = `${options.name}=`;
  }

  /** Find and remove the LB cookie in a Cookie header value. */
  read(cookieHeader: string): StickyRead {
    if (cookieHeader === '' || cookieHeader.indexOf(this.#prefix) < 0) return { value: null, rest: cookieHeader === '' ? null : cookieHeader };
    let value: string | null = null;
    const kept: string[] = [];
    for (const part of cookieHeader.split(';')) {
      const p = part.trim();
      if (p === '') continue;
      if (p.startsWith(this.#prefix)) value = p.slice(this.#prefix.length);
      else kept.push(p);
    }
    return { value, rest: kept.length === 0 ? null : kept.join('; ') };
  }

  /** The server cookie id in a cookie value, or null when it does not verify. */
  verify(value: string): string | null {
    const hit = this.#verified.get(value);
    if (hit !== undefined) return hit;
    const id = this.#signer.unsign(value);
    if (this.#verified.size > 4096) this.#verified.clear();
    this.#verified.set(value, id);
    return id;
  }

  /** The Set-Cookie header value pinning a client to the server with `cookieId`. */
  setCookie(cookieId: string, secure: boolean): string {
    let signed = this.#signed.get(cookieId);
    if (signed === undefined) {
      signed = this.#signer.sign(cookieId);
      if (this.#signed.size > 4096) this.#signed.clear();
      this.#signed.set(cookieId, signed);
    }
    const o = this.options;
    let c = `${o.name}=${signed}; Path=/`;
    if (o.maxAgeSeconds > 0) c += `; Max-Age=${o.maxAgeSeconds}`;
    if (o.httpOnly) c += '; HttpOnly';
    if (secure || o.sameSite === 'None') c += '; Secure';
    c += `; SameSite=${o.sameSite}`;
    return c;
  }

  /** Whether a Set-Cookie value from a server sets the LB cookie (it is dropped). */
  isOwnSetCookie(value: string): boolean {
    return value.startsWith(this.#prefix);
  }
}
