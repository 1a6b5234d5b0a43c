import { timingSafeEqual } from 'node:crypto';
import { env, loadConfigOrExit } from './config.js';

/** Development default of `SCALEOUT_ADMIN_TOKEN`; refused when NODE_ENV=production. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token';

/**
 * `SCALEOUT_ADMIN_TOKEN`, the bearer token of every admin API of the stack (LB, DNS, db-proxy, stack
 * control). Load with `loadConfig('SCALEOUT', adminTokenSpec)`.
 */
export const adminTokenSpec = { adminToken: env.secret({ devDefault: DEV_ADMIN_TOKEN, minLength: 8 }) };

/**
 * A checker for `Authorization: Bearer <token>` headers that compares in constant time (the length of
 * the expected value is not secret; its content is).
 */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (authorization) => {
    if (authorization === undefined) return false;
    const given = Buffer.from(authorization);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/**
 * The admin token of this process: `SCALEOUT_ADMIN_TOKEN` (dev default outside production); a bad
 * value stops the process with one line and exit code 78, like every configuration error.
 */
export function loadAdminToken(source: Record<string, string | undefined> = process.env): string {
  return loadConfigOrExit('SCALEOUT', adminTokenSpec, { env: source }).adminToken;
}
