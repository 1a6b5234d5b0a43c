import type { Signer } from '@scaleout/hashing';
import type { MemcacheRing } from '@scaleout/memcache';
import type { Registry } from '@scaleout/metrics';
import type { Logger, Readiness } from '@scaleout/service';
import type { ReadThroughCache } from './cache/read-through-cache.js';
import type { WebConfig } from './config.js';
import type { Database } from './db/database.js';
import type { CsrfTokens } from './session/csrf.js';
import type { SessionClient } from './session/session-client.js';
import type { Shop } from './shop/shop.js';
import type { WebMetrics } from './web-metrics.js';

/** Everything a replica's routes use; built once per process by `createWebContext`. */
export interface WebContext {
  config: WebConfig;
  logger: Logger;
  registry: Registry;
  metrics: WebMetrics;
  readiness: Readiness;
  db: Database;
  ring: MemcacheRing;
  cache: ReadThroughCache;
  sessions: SessionClient;
  shop: Shop;
  signer: Signer;
  csrf: CsrfTokens;
}
