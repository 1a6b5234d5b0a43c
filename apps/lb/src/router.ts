import { LbError } from './errors.js';

/** One routing rule: a host (exact or `*.suffix`) and/or a path prefix, mapped to a pool. */
export interface RouteRule<P> {
  host: string | null;
  prefix: string | null;
  pool: P;
  /** The rule as written, for the admin API. */
  source: string;
}

/**
 * Host and path-prefix routing: the first matching rule wins, the default pool otherwise. Rules are
 * written `host=pool`, `host/prefix=pool`, `/prefix=pool` or `*.example.com=pool`.
 */
export class Router<P> {
  readonly rules: RouteRule<P>[];
  constructor(
    rules: RouteRule<P>[],
    readonly defaultPool: P,
  ) {
    this.rules = rules;
  }

  route(hostname: string, target: string): P {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.host !== null) {
        if (r.host.charCodeAt(0) === 42) {
          if (!hostname.endsWith(r.host.slice(1))) continue;
        } else if (hostname !== r.host) continue;
      }
      if (r.prefix !== null && !target.startsWith(r.prefix)) continue;
      return r.pool;
    }
    return this.defaultPool;
  }
}

/** Parse `LB_ROUTES`: comma-separated `match=pool`; `resolve` maps a pool name (throws when unknown). */
export function parseRoutes<P>(raw: string[], resolve: (name: string) => P | undefined): RouteRule<P>[] {
  return raw.map((item) => {
    const eq = item.lastIndexOf('=');
    if (eq <= 0) throw new LbError('LB_ERR_CONFIG', `route ${JSON.stringify(item)} must be <host>[/prefix]=<pool> or /<prefix>=<pool>`);
    const match = item.slice(0, eq).trim();
    const poolName = item.slice(eq + 1).trim();
    const pool = resolve(poolName);
    if (pool === undefined) throw new LbError('LB_ERR_CONFIG', `route ${JSON.stringify(item)} names an unknown pool ${JSON.stringify(poolName)}`);
    const slash = match.indexOf('/');
    const host = slash === 0 ? null : (slash < 0 ? match : match.slice(0, slash)).toLowerCase();
    const prefix = slash < 0 ? null : match.slice(slash);
    if (host !== null && !/^(\*\.)?[a-z0-9.-]+$/.test(host)) throw new LbError('LB_ERR_CONFIG', `route ${JSON.stringify(item)} has an invalid host`);
    return { host, prefix, pool, source: item };
  });
}
