import { hostname } from 'node:os';
import { env } from './config.js';

/**
 * Fields every service reads under its own prefix: `<PREFIX>_INSTANCE` (the name in logs, metrics and
 * `X-Served-By`; defaults to the host name, which is the container id under compose), `<PREFIX>_LOG_LEVEL`
 * and `<PREFIX>_GRACE` (how long a graceful stop may take).
 */
export function commonFields() {
  return {
    instance: env.string({ default: hostname(), pattern: /^[A-Za-z0-9._-]{1,63}$/, allowed: 'a name of 1-63 letters, digits, ".", "_" or "-"' }),
    logLevel: env.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
    grace: env.duration({ default: 10_000, min: 0, max: 600_000 }),
  };
}
