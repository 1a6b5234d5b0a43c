import { Counter, FAST_LATENCY_BUCKETS, Gauge, Histogram, LATENCY_BUCKETS, metricName, type Registry } from '@scaleout/metrics';

const SERVICE = 'web';
const name = (what: string, unit?: string) => metricName(SERVICE, what, unit);

/**
 * The web tier's own metrics (the request histogram comes from @scaleout/metrics' plugin and the
 * memcached ring metrics from @scaleout/memcache). Label values are fixed names, never ids or URLs.
 */
export interface WebMetrics {
  /** `scaleout_web_db_query_duration_seconds{query,result}`: query = a fixed name such as `product_by_id`. */
  dbQuery: Histogram<'query' | 'result'>;
  /** `scaleout_web_db_failovers_total{from,to}`: the active database endpoint changed. */
  dbFailovers: Counter<'from' | 'to'>;
  /** `scaleout_web_db_endpoint_active{endpoint}`: 1 for the endpoint in use. */
  dbEndpointActive: Gauge<'endpoint'>;
  /** `scaleout_web_db_transaction_retries_total{reason}`: deadlock / lock wait timeout retries. */
  dbRetries: Counter<'reason'>;
  /** `scaleout_web_cache_requests_total{cache,result}`: result = hit, miss, peer (another caller loaded it), error. */
  cacheRequests: Counter<'cache' | 'result'>;
  /** `scaleout_web_cache_invalidations_total{cache,result}`. */
  cacheInvalidations: Counter<'cache' | 'result'>;
  /** `scaleout_web_session_requests_total{op,result}` and `…_duration_seconds{op}` for calls to the session service. */
  sessionRequests: Counter<'op' | 'result'>;
  sessionDuration: Histogram<'op'>;
  /** `scaleout_web_session_conflicts_total`: a session write lost a race (412) and was retried. */
  sessionConflicts: Counter;
  /** `scaleout_web_logins_total{result}`: ok, bad_credentials, rate_limited. */
  logins: Counter<'result'>;
  /** `scaleout_web_rate_limiter_errors_total`: counter store unreachable (the limiter fails open). */
  rateLimiterErrors: Counter;
  /** `scaleout_web_checkouts_total{result}`: ok, replayed, out_of_stock, empty. */
  checkouts: Counter<'result'>;
  /** `scaleout_web_lb_bans_total{result}`: page cache bans sent to the load balancers (ok, failed). */
  lbBans: Counter<'result'>;
}

export function createWebMetrics(registry: Registry): WebMetrics {
  const registers = [registry];
  return {
    dbQuery: new Histogram({
      name: name('db_query_duration', 'seconds'),
      help: 'Database queries and transactions by name and result (ok, error, unavailable).',
      labelNames: ['query', 'result'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    dbFailovers: new Counter({
      name: name('db_failovers', 'total'),
      help: 'Times the database endpoint in use changed.',
      labelNames: ['from', 'to'],
      registers,
    }),
    dbEndpointActive: new Gauge({
      name: name('db_endpoint_active'),
      help: '1 for the database endpoint in use, 0 for the others.',
      labelNames: ['endpoint'],
      registers,
    }),
    dbRetries: new Counter({
      name: name('db_transaction_retries', 'total'),
      help: 'Transactions retried after a deadlock or lock wait timeout.',
      labelNames: ['reason'],
      registers,
    }),
    cacheRequests: new Counter({
      name: name('cache_requests', 'total'),
      help: 'Read-through cache lookups by cache and result (hit, miss, peer, error).',
      labelNames: ['cache', 'result'],
      registers,
    }),
    cacheInvalidations: new Counter({
      name: name('cache_invalidations', 'total'),
      help: 'Cache invalidations by cache and result (ok, error).',
      labelNames: ['cache', 'result'],
      registers,
    }),
    sessionRequests: new Counter({
      name: name('session_requests', 'total'),
      help: 'Calls to the session service by operation and result.',
      labelNames: ['op', 'result'],
      registers,
    }),
    sessionDuration: new Histogram({
      name: name('session_request_duration', 'seconds'),
      help: 'Duration of calls to the session service by operation.',
      labelNames: ['op'],
      buckets: [...FAST_LATENCY_BUCKETS],
      registers,
    }),
    sessionConflicts: new Counter({
      name: name('session_conflicts', 'total'),
      help: 'Session writes that lost an optimistic-concurrency race (HTTP 412) and were retried.',
      registers,
    }),
    logins: new Counter({
      name: name('logins', 'total'),
      help: 'Login attempts by result (ok, bad_credentials, rate_limited).',
      labelNames: ['result'],
      registers,
    }),
    rateLimiterErrors: new Counter({
      name: name('rate_limiter_errors', 'total'),
      help: 'Login rate-limit checks that could not reach memcached (the limiter then allows the attempt).',
      registers,
    }),
    checkouts: new Counter({
      name: name('checkouts', 'total'),
      help: 'Checkouts by result (ok, replayed, out_of_stock, empty).',
      labelNames: ['result'],
      registers,
    }),
    lbBans: new Counter({
      name: name('lb_bans', 'total'),
      help: 'Page cache bans sent to a load balancer when a product or its stock changed, by result (ok, failed).',
      labelNames: ['result'],
      registers,
    }),
  };
}
