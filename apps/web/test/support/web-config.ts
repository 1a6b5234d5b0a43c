import { loadWebConfig, type WebConfig } from '../../src/index.js';

/** A web configuration for tests from `WEB_*` overrides given without the prefix (`{ DB_HOSTS: … }`). */
export function webTestConfig(env: Record<string, string>): WebConfig {
  const base: Record<string, string> = {
    INSTANCE: 'web-test',
    LOG_LEVEL: 'silent',
    SEED_PRODUCTS: '300',
    SEED_USERS: '80',
    MEMCACHED_TIMEOUT: '500ms',
    SESSION_TIMEOUT: '3s',
    DB_QUERY_TIMEOUT: '20s',
  };
  const all = { ...base, ...env };
  return loadWebConfig({ env: Object.fromEntries(Object.entries(all).map(([k, v]) => [`WEB_${k}`, v])) });
}
