import { ConfigError } from './config-error.js';

type Env = Record<string, string | undefined>;

/** Context handed to every field parser. */
export interface FieldContext {
  /** Full variable name, e.g. `DNS_PORT`. */
  variable: string;
  env: Env;
  production: boolean;
}

/** One configuration field: how to parse its variable and what values are allowed (for messages). */
export interface Field<T> {
  readonly allowed: string;
  readonly defaultValue?: T;
  readonly required: boolean;
  parse(raw: string, ctx: FieldContext): T;
  /** Value when unset: called only when `required` is false. */
  fallback(ctx: FieldContext): T;
}

interface FieldOptions<T> {
  default?: T;
}

function invalid(ctx: FieldContext, raw: string, allowed: string): never {
  throw new ConfigError(ctx.variable, `${ctx.variable}=${JSON.stringify(raw)} is invalid: expected ${allowed}`);
}

function field<T>(
  allowed: string,
  parse: (raw: string, ctx: FieldContext) => T | undefined,
  opts: FieldOptions<T> & { optional?: boolean } = {},
): Field<T> {
  const hasDefault = opts.default !== undefined || opts.optional === true;
  return {
    allowed,
    defaultValue: opts.default,
    required: !hasDefault,
    parse(raw, ctx) {
      const value = parse(raw.trim(), ctx);
      if (value === undefined) invalid(ctx, raw, allowed);
      return value;
    },
    fallback() {
      return opts.default as T;
    },
  };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `250ms`, `2s`, `1.5m`, `1h` or a bare number of milliseconds; undefined when malformed. */
export function parseDuration(raw: string): number | undefined {
  const m = DURATION.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!);
}

/** Field builders. Each returns a typed {@link Field}; `default` makes a field optional. */
export const env = {
  string(opts: FieldOptions<string> & { pattern?: RegExp; allowed?: string; optional?: boolean } = {}): Field<string> {
    const allowed = opts.allowed ?? (opts.pattern ? `a string matching ${opts.pattern}` : 'a non-empty string');
    return field(allowed, (raw) => (raw !== '' && (!opts.pattern || opts.pattern.test(raw)) ? raw : undefined), opts);
  },

  optionalString(opts: { pattern?: RegExp; allowed?: string } = {}): Field<string | undefined> {
    const base = env.string({ ...opts, optional: true });
    return { ...base, required: false, fallback: () => undefined };
  },

  int(opts: FieldOptions<number> & { min?: number; max?: number } = {}): Field<number> {
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    const allowed =
      opts.min !== undefined && opts.max !== undefined
        ? `an integer between ${min} and ${max}`
        : opts.min !== undefined
          ? `an integer >= ${min}`
          : 'an integer';
    return field(
      allowed,
      (raw) => {
        if (!/^-?\d+$/.test(raw)) return undefined;
        const n = Number(raw);
        return n >= min && n <= max ? n : undefined;
      },
      opts,
    );
  },

  number(opts: FieldOptions<number> & { min?: number; max?: number } = {}): Field<number> {
    const min = opts.min ?? -Infinity;
    const max = opts.max ?? Infinity;
    return field(
      `a number between ${min} and ${max}`,
      (raw) => {
        if (raw === '') return undefined;
        const n = Number(raw);
        return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
      },
      opts,
    );
  },

  port(opts: FieldOptions<number> & { allowZero?: boolean } = {}): Field<number> {
    return env.int({ ...opts, min: opts.allowZero ? 0 : 1, max: 65535 });
  },

  bool(opts: FieldOptions<boolean> = {}): Field<boolean> {
    const truthy = new Set(['1', 'true', 'yes', 'on']);
    const falsy = new Set(['0', 'false', 'no', 'off']);
    return field(
      'one of true, false, 1, 0, yes, no, on, off',
      (raw) => {
        const v = raw.toLowerCase();
        return truthy.has(v) ? true : falsy.has(v) ? false : undefined;
      },
      opts,
    );
  },

  enum<const T extends string>(values: readonly T[], opts: FieldOptions<T> = {}): Field<T> {
    return field(`one of ${values.join(', ')}`, (raw) => values.find((v) => v === raw), opts);
  },

  /** A duration in milliseconds, written `250ms`, `2s`, `1m`, `1h` or as a bare number of ms. */
  duration(opts: FieldOptions<number> & { min?: number; max?: number } = {}): Field<number> {
    const min = opts.min ?? 0;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    return field(
      `a duration such as 500ms, 2s, 1m (between ${min} and ${max} ms)`,
      (raw) => {
        const ms = parseDuration(raw);
        return ms !== undefined && ms >= min && ms <= max ? ms : undefined;
      },
      opts,
    );
  },

  /** Comma-separated list; each item trimmed, empty items dropped. */
  list(opts: FieldOptions<string[]> & { minItems?: number; itemPattern?: RegExp } = {}): Field<string[]> {
    const min = opts.minItems ?? 0;
    const what = opts.itemPattern ? `items matching ${opts.itemPattern}` : 'items';
    return field(
      `a comma-separated list of at least ${min} ${what}`,
      (raw) => {
        const items = raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (items.length < min) return undefined;
        if (opts.itemPattern && !items.every((i) => opts.itemPattern!.test(i))) return undefined;
        return items;
      },
      opts,
    );
  },

  url(opts: FieldOptions<string> & { protocols?: string[] } = {}): Field<string> {
    const protocols = opts.protocols ?? ['http:', 'https:'];
    return field(
      `a URL with protocol ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')}`,
      (raw) => {
        try {
          const u = new URL(raw);
          return protocols.includes(u.protocol) ? raw : undefined;
        } catch {
          return undefined;
        }
      },
      opts,
    );
  },

  /** `host:port` (IPv6 as `[::1]:port`). */
  hostPort(opts: FieldOptions<HostPort> = {}): Field<HostPort> {
    return field('host:port with a port between 1 and 65535', (raw) => parseHostPort(raw), opts);
  },

  /** Comma-separated list of `host:port`. */
  hostPortList(opts: FieldOptions<HostPort[]> & { minItems?: number } = {}): Field<HostPort[]> {
    const min = opts.minItems ?? 1;
    return field(
      `a comma-separated list of at least ${min} host:port`,
      (raw) => {
        const items = raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(parseHostPort);
        if (items.length < min || items.some((i) => i === undefined)) return undefined;
        return items as HostPort[];
      },
      opts,
    );
  },

  /**
   * A secret (password, signing key). When unset, `devDefault` is used outside production; with
   * NODE_ENV=production the variable is required and the development default is refused.
   */
  secret(opts: { devDefault: string; minLength?: number }): Field<string> {
    const minLength = opts.minLength ?? 1;
    const allowed = `a secret of at least ${minLength} characters`;
    return {
      allowed,
      defaultValue: undefined,
      required: false,
      parse(raw, ctx) {
        if (raw.length < minLength) {
          throw new ConfigError(ctx.variable, `${ctx.variable} is invalid: expected ${allowed} (got ${raw.length})`);
        }
        if (ctx.production && raw === opts.devDefault) {
          throw new ConfigError(
            ctx.variable,
            `${ctx.variable} is set to the development default, which is refused when NODE_ENV=production: expected ${allowed}`,
          );
        }
        return raw;
      },
      fallback(ctx) {
        if (ctx.production) {
          throw new ConfigError(
            ctx.variable,
            `${ctx.variable} is missing: it is required when NODE_ENV=production (expected ${allowed})`,
          );
        }
        return opts.devDefault;
      },
    };
  },
};

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` or `[v6]:port`; undefined when malformed. */
export function parseHostPort(raw: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(raw.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

export type ConfigSpec = Record<string, Field<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** `adminPort` → `ADMIN_PORT`. */
export function toEnvName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export interface LoadConfigOptions {
  env?: Env;
}

/**
 * Reads and validates every field of `spec` from `<PREFIX>_<KEY>` variables (camelCase keys map to
 * UPPER_SNAKE). Throws a {@link ConfigError} naming the variable, the value and what is allowed.
 * An empty value counts as unset.
 */
export function loadConfig<S extends ConfigSpec>(prefix: string, spec: S, options: LoadConfigOptions = {}): ConfigOf<S> {
  const source = options.env ?? process.env;
  const production = source.NODE_ENV === 'production';
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const variable = `${prefix}_${toEnvName(key)}`;
    const ctx: FieldContext = { variable, env: source, production };
    const raw = source[variable];
    if (raw === undefined || raw.trim() === '') {
      if (f.required) throw new ConfigError(variable, `${variable} is missing: expected ${f.allowed}`);
      out[key] = f.fallback(ctx);
    } else {
      out[key] = f.parse(raw, ctx);
    }
  }
  return out as ConfigOf<S>;
}

/**
 * {@link loadConfig}, but a configuration error stops the process: one line on stderr naming the
 * variable, the value and what is allowed, then exit code 78 (EX_CONFIG).
 */
export function loadConfigOrExit<S extends ConfigSpec>(prefix: string, spec: S, options: LoadConfigOptions = {}): ConfigOf<S> {
  try {
    return loadConfig(prefix, spec, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
