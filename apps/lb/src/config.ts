import { adminTokenSpec, commonFields, ConfigError, env, parseHostPort, type ConfigOf } from '@scaleout/service';
import type { Algorithm, HashKeySource } from './balancer.js';
import type { ServerSpec } from './backend-server.js';

const ALGORITHMS = ['roundrobin', 'leastconn', 'hash'] as const;

/** Every `LB_` variable with its default (development defaults work standalone on loopback). */
export const lbConfigSpec = {
  ...commonFields(),
  host: env.string({ default: '127.0.0.1' }),
  httpPort: env.port({ default: 8080, allowZero: true }),
  https: env.bool({ default: true }),
  httpsPort: env.port({ default: 8443, allowZero: true }),
  tlsCert: env.optionalString(),
  tlsKey: env.optionalString(),
  httpsRedirect: env.bool({ default: false }),
  /** Port named in redirects (default: LB_HTTPS_PORT); useful behind port mapping. */
  httpsRedirectPort: env.int({ default: 0, min: 0, max: 65535 }),
  adminHost: env.string({ default: '127.0.0.1' }),
  adminPort: env.port({ default: 8404, allowZero: true }),

  pools: env.list({ default: ['web'], minItems: 1, itemPattern: /^[a-z][a-z0-9_]{0,31}$/ }),
  defaultPool: env.string({ default: 'web' }),
  servers: env.list({ default: [] }),
  discover: env.optionalString(),
  routes: env.list({ default: [] }),
  algorithm: env.enum(ALGORITHMS, { default: 'roundrobin' }),
  hashKey: env.string({ default: 'source', pattern: /^(source|header:[A-Za-z0-9-]+|cookie:[A-Za-z0-9_-]+)$/, allowed: 'source, header:<name> or cookie:<name>' }),
  slowStart: env.duration({ default: 10_000 }),
  /** With every server of a pool down by its checks, balance over all `ready` servers (panic mode). */
  failOpen: env.bool({ default: true }),
  maxconn: env.int({ default: 0, min: 0 }),
  queueSize: env.int({ default: 1024, min: 0 }),
  queueTimeout: env.duration({ default: 5_000, min: 1 }),

  sticky: env.bool({ default: true }),
  cookieName: env.string({ default: 'SRV', pattern: /^[A-Za-z0-9_-]{1,64}$/ }),
  cookieSecret: env.secret({ devDefault: 'scaleout-dev-lb-cookie-secret-0123456789abcdef', minLength: 32 }),
  cookieSecretsOld: env.list({ default: [] }),
  cookieSameSite: env.enum(['Lax', 'Strict', 'None'] as const, { default: 'Lax' }),
  cookieMaxAge: env.duration({ default: 0 }),
  stickyMoveDraining: env.bool({ default: false }),
  stickyFallback: env.enum(['source', 'balance'] as const, { default: 'source' }),

  checkPath: env.string({ default: '/healthz' }),
  checkStatus: env.string({ default: '200-399', pattern: /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, allowed: 'status codes or ranges, e.g. 200 or 200-399,404' }),
  checkHost: env.optionalString(),
  checkInterval: env.duration({ default: 2_000, min: 10 }),
  checkFastInterval: env.duration({ default: 1_000, min: 10 }),
  checkDownInterval: env.duration({ default: 2_000, min: 10 }),
  checkTimeout: env.duration({ default: 1_000, min: 10 }),
  checkRise: env.int({ default: 2, min: 1, max: 100 }),
  checkFall: env.int({ default: 3, min: 1, max: 100 }),
  ejectConsecutive: env.int({ default: 5, min: 0 }),
  ejectTime: env.duration({ default: 10_000, min: 1 }),
  ejectMaxPercent: env.int({ default: 50, min: 0, max: 100 }),

  resolver: env.string({ default: 'system', pattern: /^(system|[^,\s]+(,[^,\s]+)*)$/ }),
  dnsInterval: env.duration({ default: 3_000, min: 50 }),
  dnsTimeout: env.duration({ default: 1_000, min: 10 }),
  dnsHoldNx: env.duration({ default: 30_000 }),
  dnsHoldError: env.duration({ default: 300_000 }),

  retries: env.int({ default: 2, min: 0, max: 10 }),
  retryTimeout: env.duration({ default: 5_000 }),
  retryBuffer: env.int({ default: 65_536, min: 0 }),

  maxHeaderBytes: env.int({ default: 16_384, min: 256, max: 1_048_576 }),
  maxHeaders: env.int({ default: 100, min: 1, max: 1000 }),
  maxUrlBytes: env.int({ default: 8_192, min: 16, max: 1_048_576 }),
  maxBodyBytes: env.int({ default: 10 * 1024 * 1024, min: 0 }),
  headerTimeout: env.duration({ default: 10_000, min: 10 }),
  keepAliveTimeout: env.duration({ default: 5_000, min: 10 }),
  clientTimeout: env.duration({ default: 30_000, min: 10 }),
  serverTimeout: env.duration({ default: 30_000, min: 10 }),
  tunnelTimeout: env.duration({ default: 3_600_000, min: 10 }),
  connectTimeout: env.duration({ default: 3_000, min: 10 }),
  backendIdleTimeout: env.duration({ default: 4_000, min: 10 }),
  backendMaxIdle: env.int({ default: 256, min: 0 }),

  trustedProxies: env.list({ default: [] }),
  via: env.bool({ default: true }),
  stateFile: env.optionalString(),

  /** Page cache (off unless set): LB_CACHE=true caches LB_CACHE_POOLS (default: the default pool). */
  cache: env.bool({ default: false }),
  cachePools: env.list({ default: [], itemPattern: /^[a-z][a-z0-9_]{0,31}$/ }),
  cachePaths: env.list({ default: ['/'], itemPattern: /^\/\S*$/ }),
  cacheMaxBytes: env.int({ default: 64 * 1024 * 1024, min: 4096 }),
  cacheMaxObjectBytes: env.int({ default: 1024 * 1024, min: 0 }),
  cacheMaxVariants: env.int({ default: 8, min: 1, max: 1000 }),
  cacheDefaultTtl: env.duration({ default: 0 }),
  cacheGrace: env.duration({ default: 10_000 }),
  cacheKeep: env.duration({ default: 60_000 }),
  cacheWaitTimeout: env.duration({ default: 5_000 }),
  cacheHitForMiss: env.duration({ default: 30_000 }),
  cacheBypassCookies: env.list({ default: ['sid'], itemPattern: /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/ }),
} as const;

export type LbConfig = ConfigOf<typeof lbConfigSpec>;

/** `SCALEOUT_ADMIN_TOKEN`: shared by every admin API of the stack (load it with `loadAdminToken()`). */
export const adminConfigSpec = adminTokenSpec;

/** A pool as configured: static servers and/or a DNS name, and its algorithm. */
export interface PoolConfig {
  name: string;
  servers: ServerSpec[];
  /** DNS name and port re-resolved for servers. */
  discover: { name: string; port: number } | null;
  algorithm: Algorithm;
  hashKey: HashKeySource;
  checkPath: string | null;
  /** Path prefixes the page cache covers (null: no cache for this pool). */
  cachePaths: string[] | null;
}

/**
 * Per-pool settings come from `LB_POOL_<NAME>_SERVERS`, `_DISCOVER`, `_ALGORITHM`, `_HASH_KEY` and
 * `_CHECK_PATH`; the default pool also takes `LB_SERVERS` / `LB_DISCOVER`.
 */
export function poolConfigs(cfg: LbConfig, source: Record<string, string | undefined> = process.env): PoolConfig[] {
  if (!cfg.pools.includes(cfg.defaultPool)) {
    throw new ConfigError('LB_DEFAULT_POOL', `LB_DEFAULT_POOL=${JSON.stringify(cfg.defaultPool)} is invalid: expected one of LB_POOLS (${cfg.pools.join(', ')})`);
  }
  const unknown = cfg.cachePools.find((p) => !cfg.pools.includes(p));
  if (unknown !== undefined) throw new ConfigError('LB_CACHE_POOLS', `LB_CACHE_POOLS names ${JSON.stringify(unknown)}, which is not in LB_POOLS (${cfg.pools.join(', ')})`);
  return cfg.pools.map((name) => {
    const v = (what: string) => {
      const key = `LB_POOL_${name.toUpperCase()}_${what}`;
      const raw = source[key];
      return raw === undefined || raw.trim() === '' ? undefined : { key, raw: raw.trim() };
    };
    const isDefault = name === cfg.defaultPool;
    const serversVar = v('SERVERS') ?? (isDefault && cfg.servers.length > 0 ? { key: 'LB_SERVERS', raw: cfg.servers.join(',') } : undefined);
    const servers = serversVar ? parseServerList(serversVar.raw, serversVar.key, name, cfg.maxconn) : [];
    const discoverVar = v('DISCOVER') ?? (isDefault && cfg.discover ? { key: 'LB_DISCOVER', raw: cfg.discover } : undefined);
    let discover: PoolConfig['discover'] = null;
    if (discoverVar) {
      const hp = parseHostPort(discoverVar.raw);
      if (!hp) throw new ConfigError(discoverVar.key, `${discoverVar.key}=${JSON.stringify(discoverVar.raw)} is invalid: expected <dns name>:<port>`);
      discover = { name: hp.host, port: hp.port };
    }
    const algVar = v('ALGORITHM');
    let algorithm: Algorithm = cfg.algorithm;
    if (algVar) {
      if (!(ALGORITHMS as readonly string[]).includes(algVar.raw)) throw new ConfigError(algVar.key, `${algVar.key}=${JSON.stringify(algVar.raw)} is invalid: expected one of ${ALGORITHMS.join(', ')}`);
      algorithm = algVar.raw as Algorithm;
    }
    const hashVar = v('HASH_KEY');
    const hashKey = parseHashKey(hashVar?.raw ?? cfg.hashKey, hashVar?.key ?? 'LB_HASH_KEY');
    const checkVar = v('CHECK_PATH');
    const checkRaw = checkVar?.raw ?? cfg.checkPath;
    const checkPath = checkRaw === 'none' || checkRaw === 'off' ? null : checkRaw;
    if (checkPath !== null && !checkPath.startsWith('/')) throw new ConfigError(checkVar?.key ?? 'LB_CHECK_PATH', `${checkVar?.key ?? 'LB_CHECK_PATH'}=${JSON.stringify(checkRaw)} is invalid: expected a path starting with / or none`);
    const cached = cfg.cache && (cfg.cachePools.length === 0 ? isDefault : cfg.cachePools.includes(name));
    const pathsVar = v('CACHE_PATHS');
    let cachePaths: string[] | null = null;
    if (cached) {
      cachePaths = pathsVar ? pathsVar.raw.split(',').map((p) => p.trim()).filter(Boolean) : cfg.cachePaths;
      const bad = cachePaths.find((p) => !p.startsWith('/'));
      if (bad !== undefined || cachePaths.length === 0) throw new ConfigError(pathsVar?.key ?? 'LB_CACHE_PATHS', `${pathsVar?.key ?? 'LB_CACHE_PATHS'} is invalid: expected path prefixes starting with /`);
    }
    return { name, servers, discover, algorithm, hashKey, checkPath, cachePaths };
  });
}

export function parseHashKey(raw: string, variable: string): HashKeySource {
  if (raw === 'source') return { kind: 'source' };
  const m = /^(header|cookie):([A-Za-z0-9_-]+)$/.exec(raw);
  if (!m) throw new ConfigError(variable, `${variable}=${JSON.stringify(raw)} is invalid: expected source, header:<name> or cookie:<name>`);
  return m[1] === 'header' ? { kind: 'header', name: m[2]!.toLowerCase() } : { kind: 'cookie', name: m[2]! };
}

/**
 * `[name=]host:port [weight=N] [maxconn=N]`, comma-separated. Unnamed servers are called
 * `<pool><n>` (web1, web2, …).
 */
export function parseServerList(raw: string, variable: string, pool: string, defaultMaxconn: number): ServerSpec[] {
  const out: ServerSpec[] = [];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  items.forEach((item, i) => {
    const spec = parseServerSpec(item, `${pool}${i + 1}`, defaultMaxconn);
    if (typeof spec === 'string') throw new ConfigError(variable, `${variable}: server ${JSON.stringify(item)} is invalid: ${spec}`);
    if (out.some((s) => s.name === spec.name)) throw new ConfigError(variable, `${variable}: server name ${spec.name} is used twice`);
    out.push(spec);
  });
  return out;
}

/** One server item; returns an error message string when invalid. */
export function parseServerSpec(item: string, defaultName: string, defaultMaxconn: number): ServerSpec | string {
  const tokens = item.split(/\s+/);
  const first = tokens.shift()!;
  const eq = first.indexOf('=');
  const name = eq > 0 ? first.slice(0, eq) : defaultName;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(name)) return 'the name must be 1-64 letters, digits, ".", ":", "_" or "-"';
  const hp = parseHostPort(eq > 0 ? first.slice(eq + 1) : first);
  if (!hp) return 'expected [name=]host:port';
  let weight = 1;
  let maxconn = defaultMaxconn;
  for (const t of tokens) {
    const m = /^(weight|maxconn)=(\d+)$/.exec(t);
    if (!m) return `unknown option ${JSON.stringify(t)} (expected weight=N or maxconn=N)`;
    const n = Number(m[2]);
    if (m[1] === 'weight') {
      if (n < 1 || n > 256) return 'weight must be between 1 and 256';
      weight = n;
    } else maxconn = n;
  }
  return { name, host: hp.host, port: hp.port, weight, maxconn };
}

/** `200-399,404` → predicate. */
export function statusMatcher(raw: string): (status: number) => boolean {
  const ranges = raw.split(',').map((part) => {
    const [a, b] = part.split('-');
    return [Number(a), Number(b ?? a)] as const;
  });
  return (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi);
}
