import {
  ConfigError,
  DEV_ADMIN_TOKEN,
  commonFields,
  env,
  loadConfig,
  parseHostPort,
  type ConfigOf,
  type HostPort,
  type LoadConfigOptions,
} from '@scaleout/service';

/** Development default of `WEB_COOKIE_SECRET` (refused with NODE_ENV=production). */
export const DEV_COOKIE_SECRET = 'dev-web-cookie-secret-change-me-please-0123456789';
/** Development default of the admin token (libs/service): `WEB_ADMIN_TOKEN`, else `SCALEOUT_ADMIN_TOKEN`. */
export { DEV_ADMIN_TOKEN };

/** Every `WEB_*` variable (camelCase key → `WEB_UPPER_SNAKE`). */
export const webConfigSpec = {
  ...commonFields(),
  host: env.string({ default: '127.0.0.1' }),
  port: env.port({ default: 3000, allowZero: true }),

  /** `mysql://user:password@host1:port1,host2:port2/database`; when set it wins over the DB_* fields below. */
  dbUrl: env.optionalString({ pattern: /^mysql:\/\//, allowed: 'a mysql://user:password@host:port[,host:port...]/database URL' }),
  dbHosts: env.hostPortList({ default: [{ host: '127.0.0.1', port: 3306 }] }),
  dbUser: env.string({ default: 'app' }),
  dbPassword: env.secret({ devDefault: 'app' }),
  dbName: env.string({ default: 'shop', pattern: /^[A-Za-z0-9_]{1,64}$/, allowed: 'a database name of letters, digits and _' }),
  dbPoolSize: env.int({ default: 10, min: 1, max: 1000 }),
  dbConnectTimeout: env.duration({ default: 2000, min: 100, max: 60_000 }),
  dbQueryTimeout: env.duration({ default: 5000, min: 100, max: 600_000 }),
  /** How long an endpoint that failed to connect is skipped before it is tried again. */
  dbRetryAfter: env.duration({ default: 5000, min: 100, max: 600_000 }),
  /** Wait for the migration lock (another replica migrating) at most this long. */
  migrationLockTimeout: env.duration({ default: 120_000, min: 1000, max: 3_600_000 }),
  migrate: env.bool({ default: true }),
  /** At start, keep retrying the migrations this long while the database is unreachable. */
  startupTimeout: env.duration({ default: 60_000, min: 0, max: 3_600_000 }),
  seed: env.bool({ default: true }),
  seedProducts: env.int({ default: 3000, min: 0, max: 1_000_000 }),
  seedUsers: env.int({ default: 1000, min: 0, max: 1_000_000 }),

  sessionUrls: env.list({ default: ['http://127.0.0.1:4000'], minItems: 1, itemPattern: /^https?:\/\/[^/\s]+\/?$/ }),
  sessionTimeout: env.duration({ default: 1000, min: 10, max: 60_000 }),
  sessionRetryAfter: env.duration({ default: 2000, min: 100, max: 600_000 }),
  /** Touch a session when it would expire within this long (the session service's GET does not extend it). */
  sessionTouchWithin: env.duration({ default: 20 * 60_000, min: 0, max: 86_400_000 }),
  cookieName: env.string({ default: 'sid', pattern: /^[A-Za-z0-9_-]{1,32}$/ }),
  cookieSecret: env.secret({ devDefault: DEV_COOKIE_SECRET, minLength: 32 }),
  /** Proxies whose X-Forwarded-For/-Proto are believed (addresses or CIDRs). */
  trustedProxies: env.list({ default: ['127.0.0.0/8', '::1'] }),
  /** Extra origins accepted on state-changing JSON API calls (the request's own origin always is). */
  allowedOrigins: env.list({ default: [] }),

  memcachedNodes: env.list({ default: ['127.0.0.1:11211'], minItems: 1, itemPattern: /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/ }),
  memcachedReplicas: env.int({ default: 2, min: 1, max: 10 }),
  memcachedTimeout: env.duration({ default: 250, min: 10, max: 10_000 }),
  /** Turn the read-through cache off (every read goes to the database; for comparisons and emergencies). */
  cacheEnabled: env.bool({ default: true }),
  cacheTtl: env.duration({ default: 60_000, min: 1000, max: 86_400_000 }),
  cacheKeyPrefix: env.string({ default: 'web:', pattern: /^[!-~]{0,32}$/, allowed: 'up to 32 printable characters without spaces' }),

  pageSize: env.int({ default: 20, min: 1, max: 100 }),
  loginWindow: env.duration({ default: 900_000, min: 1000, max: 86_400_000 }),
  loginMaxFailuresPerAccount: env.int({ default: 5, min: 1, max: 1_000_000 }),
  loginMaxFailuresPerIp: env.int({ default: 100, min: 1, max: 1_000_000 }),
  adminToken: env.secret({ devDefault: DEV_ADMIN_TOKEN, minLength: 8 }),
  /** Shared (LB page cache) freshness of anonymous catalogue pages and product JSON: s-maxage (0 = never public). */
  sharedCacheTtl: env.duration({ default: 30_000, min: 0, max: 86_400_000 }),
  /** stale-while-revalidate granted to the shared cache. */
  sharedCacheSwr: env.duration({ default: 30_000, min: 0, max: 86_400_000 }),
  /** Admin API base URLs of the load balancers whose page cache is banned when a product or its stock changes. */
  lbAdminUrls: env.list({ default: [], itemPattern: /^https?:\/\/[^/\s]+\/?$/ }),
  /** Bearer token of the LB admin API (falls back to SCALEOUT_ADMIN_TOKEN, then WEB_ADMIN_TOKEN's value). */
  lbAdminToken: env.optionalString(),
  /** Bound on each ban call (best effort: a failure is logged and counted, the write still succeeds). */
  lbBanTimeout: env.duration({ default: 500, min: 10, max: 10_000 }),
  /** After SIGTERM, answer /readyz 503 this long before closing, so balancers stop sending work. */
  drainDelay: env.duration({ default: 0, min: 0, max: 60_000 }),
  /** Largest `cpuMs` of `GET /api/heavy` (the power-user scenario's slow request); 0 turns the route off. */
  heavyMaxMs: env.int({ default: 1000, min: 0, max: 10_000 }),
};

type RawWebConfig = ConfigOf<typeof webConfigSpec>;

/** The database connection settings after `WEB_DB_URL` has been applied. */
export interface DbSettings {
  hosts: HostPort[];
  user: string;
  password: string;
  database: string;
}

export type WebConfig = Omit<RawWebConfig, 'dbUrl' | 'dbHosts' | 'dbUser' | 'dbPassword' | 'dbName'> & { db: DbSettings };

/**
 * Parses `mysql://user:password@host:port[,host:port...]/database` (user and password percent-decoded);
 * throws {@link ConfigError} naming `WEB_DB_URL` when malformed.
 */
export function parseDbUrl(raw: string, variable = 'WEB_DB_URL'): DbSettings {
  const m = /^mysql:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([A-Za-z0-9_]{1,64})\/?$/.exec(raw.trim());
  const fail = (): never => {
    throw new ConfigError(variable, `${variable} is invalid: expected mysql://user:password@host:port[,host:port...]/database`);
  };
  if (!m) return fail();
  const hosts = m[3]!.split(',').map((h) => parseHostPort(h.includes(':') && !h.endsWith(']') ? h : `${h}:3306`));
  if (hosts.length === 0 || hosts.some((h) => h === undefined)) return fail();
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(m[1] ?? 'app');
    password = decodeURIComponent(m[2] ?? '');
  } catch {
    return fail();
  }
  return { hosts: hosts as HostPort[], user: user || 'app', password, database: m[4]! };
}

/**
 * Reads the `WEB_*` configuration. `WEB_ADMIN_TOKEN` falls back to `SCALEOUT_ADMIN_TOKEN` (the stack's
 * shared admin token) before its development default.
 */
export function loadWebConfig(options: LoadConfigOptions = {}): WebConfig {
  const source = options.env ?? process.env;
  const envWithFallbacks = { ...source };
  if (!envWithFallbacks.WEB_ADMIN_TOKEN && source.SCALEOUT_ADMIN_TOKEN) envWithFallbacks.WEB_ADMIN_TOKEN = source.SCALEOUT_ADMIN_TOKEN;
  const raw = loadConfig('WEB', webConfigSpec, { env: envWithFallbacks });
  const { dbUrl, dbHosts, dbUser, dbPassword, dbName, ...rest } = raw;
  const db = dbUrl ? parseDbUrl(dbUrl) : { hosts: dbHosts, user: dbUser, password: dbPassword, database: dbName };
  if (source.NODE_ENV === 'production' && dbUrl && db.password === 'app') {
    throw new ConfigError('WEB_DB_URL', 'WEB_DB_URL uses the development password, which is refused when NODE_ENV=production');
  }
  return { ...rest, db };
}

/** {@link loadWebConfig}, but a configuration error prints one line and exits 78 (like `loadConfigOrExit`). */
export function loadWebConfigOrExit(options: LoadConfigOptions = {}): WebConfig {
  try {
    return loadWebConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
