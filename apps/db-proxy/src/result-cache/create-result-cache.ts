import type { Registry } from '@scaleout/metrics';
import type { Logger } from '@scaleout/service';
import type { CacheRule } from './cache-rules.js';
import { PeerInvalidation } from './peer-invalidation.js';
import { ResultCache } from './result-cache.js';
import { ResultCacheMetrics } from './result-cache-metrics.js';

export interface ResultCacheSettings {
  resultCacheRules?: CacheRule[];
  resultCacheMaxBytes?: number;
  resultCacheMaxEntryBytes?: number;
  resultCachePeerInvalidation?: boolean;
  maxLag: number;
  /** `block=adminBaseUrl` (DBPROXY_PEERS). */
  peers: string[];
  adminToken?: string;
}

/** The proxy's result cache, or undefined when no rule is configured (the default: off). */
export function createResultCache(o: ResultCacheSettings, registry: Registry, logger: Logger): ResultCache | undefined {
  const rules = o.resultCacheRules ?? [];
  if (rules.length === 0) return undefined;
  const metrics = new ResultCacheMetrics(registry);
  const cache = new ResultCache({
    rules,
    maxBytes: o.resultCacheMaxBytes ?? 64 * 1024 * 1024,
    maxEntryBytes: o.resultCacheMaxEntryBytes ?? 1024 * 1024,
    maxLagMs: o.maxLag,
    metrics,
  });
  if (o.resultCachePeerInvalidation !== false && o.peers.length > 0) {
    const peers = new PeerInvalidation(
      o.peers.map((p) => p.slice(p.indexOf('=') + 1).replace(/\/+$/, '')),
      o.adminToken ?? '',
      metrics,
      logger.child({ component: 'result-cache' }),
    );
    cache.onInvalidate = (tables, pos) => peers.send(tables, pos);
  }
  return cache;
}
