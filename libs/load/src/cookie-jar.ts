/**
 * One virtual user's cookies for one site: `Set-Cookie` in, a `Cookie` header out. Names and values
 * only (paths, domains and flags are not needed against one shop); `Max-Age<=0` or an `Expires` in
 * the past deletes the cookie.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` values of one response. */
  store(setCookie: readonly string[], now = Date.now()): void {
    for (const line of setCookie) {
      const parts = line.split(';');
      const pair = parts[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!name) continue;
      let expired = false;
      for (const attr of parts.slice(1)) {
        const [k = '', v = ''] = attr.split('=', 2).map((x) => x.trim());
        const key = k.toLowerCase();
        if (key === 'max-age' && /^-?\d+$/.test(v) && Number(v) <= 0) expired = true;
        if (key === 'expires') {
          const t = Date.parse(v);
          if (!Number.isNaN(t) && t <= now) expired = true;
        }
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  get size(): number {
    return this.cookies.size;
  }

  /** The `Cookie` header value, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    let out = '';
    for (const [k, v] of this.cookies) out += (out ? '; ' : '') + `${k}=${v}`;
    return out;
  }
}
