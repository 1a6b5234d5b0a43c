/** Response `Cache-Control` directives the page cache acts on (RFC 9111 §5.2.2, RFC 5861). */
export interface CacheDirectives {
  maxAge: number | null;
  sMaxAge: number | null;
  noStore: boolean;
  /** `private`, qualified or not (a shared cache treats both as "do not store"). */
  private: boolean;
  /** `no-cache`, qualified or not (stored, but revalidated before every use). */
  noCache: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  public: boolean;
  staleWhileRevalidate: number | null;
  staleIfError: number | null;
}

/** Seconds of a delta-seconds argument; invalid → null (RFC 9111 §1.2.2), huge values capped. */
function deltaSeconds(v: string | undefined): number | null {
  if (v === undefined) return null;
  const s = v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
  if (!/^\d+$/.test(s)) return null;
  return Math.min(Number(s), 2_147_483_648);
}

/**
 * Parse every `Cache-Control` value of a message (joined with commas). Unknown directives are ignored;
 * a duplicated or invalid freshness directive makes the freshness unknown, so the most conservative
 * reading applies (RFC 9111 §4.2.1: treat as stale), expressed here as max-age 0.
 */
export function parseCacheControl(values: readonly string[]): CacheDirectives {
  const d: CacheDirectives = {
    maxAge: null,
    sMaxAge: null,
    noStore: false,
    private: false,
    noCache: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    public: false,
    staleWhileRevalidate: null,
    staleIfError: null,
  };
  let seenMax = false;
  let seenS = false;
  for (const value of values) {
    for (const part of splitDirectives(value)) {
      const eq = part.indexOf('=');
      const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const arg = eq < 0 ? undefined : part.slice(eq + 1).trim();
      switch (name) {
        case 'max-age':
          d.maxAge = seenMax ? 0 : (deltaSeconds(arg) ?? 0);
          seenMax = true;
          break;
        case 's-maxage':
          d.sMaxAge = seenS ? 0 : (deltaSeconds(arg) ?? 0);
          seenS = true;
          break;
        case 'no-store':
          d.noStore = true;
          break;
        case 'private':
          d.private = true;
          break;
        case 'no-cache':
          d.noCache = true;
          break;
        case 'must-revalidate':
          d.mustRevalidate = true;
          break;
        case 'proxy-revalidate':
          d.proxyRevalidate = true;
          break;
        case 'public':
          d.public = true;
          break;
        case 'stale-while-revalidate':
          d.staleWhileRevalidate = deltaSeconds(arg);
          break;
        case 'stale-if-error':
          d.staleIfError = deltaSeconds(arg);
          break;
        default:
          break;
      }
    }
  }
  return d;
}

/** Split on commas outside quoted strings (`private="a, b"` is one directive). */
function splitDirectives(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 && value.charCodeAt(i - 1) !== 92) quoted = !quoted;
    else if (c === 44 && !quoted) {
      const p = value.slice(start, i).trim();
      if (p !== '') out.push(p);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}
