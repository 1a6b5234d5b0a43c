import { adminTokenSpec, commonFields, ConfigError, env, loadConfig, parseHostPort, type ConfigOf, type Field } from '@scaleout/service';
import { parseUsers } from './session/user-store.js';
import { resultCacheConfigSpec } from './result-cache/cache-rules.js';

const MIB = 1024 * 1024;

/** `name=host:port` items. */
function backendList(defaults: string[]): Field<{ name: string; host: string; port: number }[]> {
  const base = env.list({ default: defaults, minItems: 1, itemPattern: /^[A-Za-z0-9._-]{1,32}=\S+:\d{1,5}$/ });
  const convert = (items: string[], variable: string) => {
    const out = items.map((item) => {
      const i = item.indexOf('=');
      const hp = parseHostPort(item.slice(i + 1));
      if (!hp) throw new ConfigError(variable, `${variable}: "${item}" is invalid: expected name=host:port`);
      return { name: item.slice(0, i), host: hp.host, port: hp.port };
    });
    if (new Set(out.map((b) => b.name)).size !== out.length) throw new ConfigError(variable, `${variable}: backend names must be unique`);
    return out;
  };
  return {
    allowed: 'a comma-separated list of name=host:port (first = preferred writer; the same order in every proxy)',
    defaultValue: undefined,
    required: false,
    parse: (raw, ctx) => convert(base.parse(raw, ctx), ctx.variable),
    fallback: (ctx) => convert(defaults, ctx.variable),
  };
}

/** `user:password` pairs (a password may be `*` + 40 hex digits, the stored hash). */
function userList(devDefault: string): Field<string> {
  const base = env.secret({ devDefault });
  const check = (value: string, variable: string) => {
    try {
      parseUsers(value);
    } catch (err) {
      throw new ConfigError(variable, `${variable} is invalid: expected user:password[,user:password…] (${(err as Error).message})`);
    }
    return value;
  };
  return {
    ...base,
    allowed: 'user:password[,user:password…] (a password may be *HEX, the stored mysql_native_password hash)',
    parse: (raw, ctx) => check(base.parse(raw, ctx), ctx.variable),
    fallback: (ctx) => check(base.fallback(ctx), ctx.variable),
  };
}

/** DBPROXY_* variables (see the README for each). */
export const configSpec = {
  ...commonFields(),
  host: env.string({ default: '127.0.0.1' }),
  port: env.port({ default: 6033, allowZero: true }),
  adminHost: env.string({ default: '127.0.0.1' }),
  adminPort: env.port({ default: 6080, allowZero: true }),
  backends: backendList(['db1=127.0.6.1:3306', 'db2=127.0.6.2:3306']),
  users: userList('app:app'),
  backendUser: env.string({ default: 'app' }),
  backendPassword: env.secret({ devDefault: 'app' }),
  monitorUser: env.string({ default: 'scaleout' }),
  monitorPassword: env.secret({ devDefault: 'scaleout' }),
  replUser: env.string({ default: 'repl' }),
  replPassword: env.secret({ devDefault: 'repl' }),
  monitorInterval: env.duration({ default: 250, min: 20, max: 60_000 }),
  monitorTimeout: env.duration({ default: 1000, min: 50, max: 60_000 }),
  monitorRise: env.int({ default: 2, min: 1, max: 100 }),
  monitorFall: env.int({ default: 3, min: 1, max: 100 }),
  failover: env.enum(['auto', 'manual'] as const, { default: 'auto' }),
  applyTimeout: env.duration({ default: 10_000, min: 100, max: 600_000 }),
  maxLag: env.duration({ default: 5000, min: 0, max: 86_400_000 }),
  writerReadWeight: env.int({ default: 1, min: 0, max: 1000 }),
  readerWeight: env.int({ default: 1, min: 0, max: 1000 }),
  causalReads: env.enum(['wait', 'fast', 'off'] as const, { default: 'wait' }),
  causalTimeout: env.duration({ default: 100, min: 1, max: 60_000 }),
  writerWait: env.duration({ default: 10_000, min: 0, max: 600_000 }),
  sessionHistory: env.int({ default: 50, min: 1, max: 10_000 }),
  maxPacket: env.int({ default: 64 * MIB, min: 1024, max: 1024 * MIB }),
  maxClients: env.int({ default: 2000, min: 1, max: 1_000_000 }),
  maxBackendConnections: env.int({ default: 500, min: 1, max: 100_000 }),
  poolMaxIdle: env.int({ default: 100, min: 0, max: 100_000 }),
  poolIdleTimeout: env.duration({ default: 60_000, min: 1000, max: 86_400_000 }),
  backendConnectTimeout: env.duration({ default: 2000, min: 50, max: 60_000 }),
  backendAcquireTimeout: env.duration({ default: 5000, min: 10, max: 600_000 }),
  handshakeTimeout: env.duration({ default: 10_000, min: 100, max: 600_000 }),
  switchoverDrain: env.duration({ default: 5000, min: 0, max: 600_000 }),
  tlsCert: env.optionalString(),
  tlsKey: env.optionalString(),
  serverVersion: env.optionalString(),
  idBlock: env.int({ default: 0, min: 0, max: 255 }),
  peers: env.list({ default: [], itemPattern: /^\d{1,3}=https?:\/\/\S+$/ }),
  ...resultCacheConfigSpec,
};

export type DbProxyConfig = ConfigOf<typeof configSpec>;

export { adminTokenSpec };

/** The whole configuration from an environment (tests pass their own). */
export function loadDbProxyConfig(source: Record<string, string | undefined> = process.env): DbProxyConfig & { adminToken: string } {
  const config = { ...loadConfig('DBPROXY', configSpec, { env: source }), ...loadConfig('SCALEOUT', adminTokenSpec, { env: source }) };
  if (config.resultCacheMaxEntryBytes > config.resultCacheMaxBytes) {
    throw new ConfigError('DBPROXY_RESULT_CACHE_MAX_ENTRY_BYTES', `DBPROXY_RESULT_CACHE_MAX_ENTRY_BYTES (${config.resultCacheMaxEntryBytes}) must not exceed DBPROXY_RESULT_CACHE_MAX_BYTES (${config.resultCacheMaxBytes})`);
  }
  return config;
}
