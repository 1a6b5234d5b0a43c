import { ConfigError, commonFields, env, type ConfigOf } from '@scaleout/service';

const HOUR = 3_600_000;

/**
 * Every `SESSION_` variable with its default. The defaults run the service standalone on loopback
 * (`127.0.0.1:4000`, one memcached on `127.0.0.1:11211`); the stack sets the address plan.
 */
export const sessionConfigSpec = {
  ...commonFields(),
  host: env.string({ default: '127.0.0.1' }),
  port: env.port({ default: 4000, allowZero: true }),

  // memcached ring
  memcached: env.hostPortList({ default: [{ host: '127.0.0.1', port: 11211 }] }),
  replicas: env.int({ default: 2, min: 1, max: 5 }),
  memcachedTimeout: env.duration({ default: 250, min: 1, max: 60_000 }),
  memcachedConnectTimeout: env.duration({ default: 1_000, min: 1, max: 60_000 }),
  tkoFailures: env.int({ default: 3, min: 1, max: 1000 }),
  probeInitial: env.duration({ default: 1_000, min: 10 }),
  probeMax: env.duration({ default: 30_000, min: 10 }),
  healthInterval: env.duration({ default: 2_000 }),
  warmup: env.duration({ default: 600_000 }),
  repairQueueSize: env.int({ default: 10_000, min: 0, max: 10_000_000 }),
  keyPrefix: env.string({ default: 'sess:', pattern: /^[!-~]{0,32}$/, allowed: 'up to 32 printable ASCII characters without spaces' }),

  // sessions
  idleTtl: env.duration({ default: 30 * 60_000, min: 1_000, max: 10 * 365 * 24 * HOUR }),
  absoluteTtl: env.duration({ default: 12 * HOUR, min: 1_000, max: 10 * 365 * 24 * HOUR }),
  maxDataBytes: env.int({ default: 65_536, min: 16, max: 900_000 }),

  // optional durable tier (MariaDB, write-through)
  durable: env.bool({ default: false }),
  dbAddress: env.hostPort({ default: { host: '127.0.5.1', port: 6033 } }),
  dbUser: env.string({ default: 'app' }),
  /** Development default `app`; required (and not `app`) when durable and NODE_ENV=production. */
  dbPassword: env.optionalString(),
  dbName: env.string({ default: 'shop', pattern: /^[A-Za-z0-9_]{1,64}$/ }),
  dbTimeout: env.duration({ default: 2_000, min: 1, max: 60_000 }),
  dbPoolSize: env.int({ default: 8, min: 1, max: 256 }),
  dbSweepInterval: env.duration({ default: 60_000 }),

  /** After SIGTERM, answer `/readyz` 503 this long before closing, so callers move away. */
  drainDelay: env.duration({ default: 0, max: 60_000 }),
  /** Log every request at info (off by default: errors and slow paths are logged anyway). */
  logRequests: env.bool({ default: false }),
};

export type SessionConfig = ConfigOf<typeof sessionConfigSpec>;

/** The development database password (apps/stack's development accounts), refused in production. */
export const DEV_DB_PASSWORD = 'app';

/**
 * Checks that need more than one variable: in production, the durable tier needs a real
 * `SESSION_DB_PASSWORD` (the password is not required at all while the durable tier is off).
 * Throws a {@link ConfigError} naming the variable.
 */
export function checkSessionConfig(config: SessionConfig, environment: Record<string, string | undefined> = process.env): void {
  if (config.absoluteTtl < config.idleTtl) {
    // Allowed, but then the idle TTL never matters: say so loudly rather than silently.
    process.emitWarning(`SESSION_ABSOLUTE_TTL (${config.absoluteTtl} ms) is shorter than SESSION_IDLE_TTL (${config.idleTtl} ms)`);
  }
  if (!config.durable || environment.NODE_ENV !== 'production') return;
  if (config.dbPassword === undefined) {
    throw new ConfigError('SESSION_DB_PASSWORD', 'SESSION_DB_PASSWORD is missing: it is required when SESSION_DURABLE=true and NODE_ENV=production');
  }
  if (config.dbPassword === DEV_DB_PASSWORD) {
    throw new ConfigError('SESSION_DB_PASSWORD', 'SESSION_DB_PASSWORD is set to the development default, which is refused when NODE_ENV=production');
  }
}
