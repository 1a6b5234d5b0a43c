import { Counter, Histogram, LATENCY_BUCKETS, metricName, type Registry } from '@scaleout/metrics';

export type SessionOp = 'create' | 'get' | 'replace' | 'delete' | 'touch' | 'rotate';

/** Results of a session operation (the `result` label). */
export type SessionResult =
  | 'ok'
  | 'not_found'
  | 'conflict'
  | 'precondition_required'
  | 'too_large'
  | 'bad_request'
  | 'unavailable'
  | 'error';

/**
 * The service's own metrics (the memcached ring adds `scaleout_session_memcached_*`, the HTTP plugin
 * `scaleout_session_http_request_duration_seconds`):
 * - `scaleout_session_operations_total{op,result}`
 * - `scaleout_session_operation_duration_seconds{op}`
 * - `scaleout_session_conflicts_total{op}`: optimistic-concurrency losses (412/409) and CAS retries
 * - `scaleout_session_durable_operations_total{op,result}`: MariaDB calls of the durable tier
 */
export class SessionMetrics {
  readonly #ops: Counter<'op' | 'result'>;
  readonly #duration: Histogram<'op'>;
  readonly #conflicts: Counter<'op' | 'kind'>;
  readonly #durable: Counter<'op' | 'result'>;

  constructor(registry: Registry) {
    this.#ops = new Counter({
      name: metricName('session', 'operations', 'total'),
      help: 'Session operations by operation and result.',
      labelNames: ['op', 'result'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: metricName('session', 'operation_duration', 'seconds'),
      help: 'Duration of session operations (storage work, without HTTP parsing).',
      labelNames: ['op'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    });
    this.#conflicts = new Counter({
      name: metricName('session', 'conflicts', 'total'),
      help: 'Optimistic-concurrency conflicts: kind="rejected" answered 412/409, kind="retried" a CAS lost to a touch and retried.',
      labelNames: ['op', 'kind'],
      registers: [registry],
    });
    this.#durable = new Counter({
      name: metricName('session', 'durable_operations', 'total'),
      help: 'Calls to the durable tier (MariaDB) by operation and result.',
      labelNames: ['op', 'result'],
      registers: [registry],
    });
  }

  observe(op: SessionOp, result: SessionResult, seconds: number): void {
    this.#ops.inc({ op, result });
    this.#duration.observe({ op }, seconds);
  }

  conflict(op: SessionOp, kind: 'rejected' | 'retried'): void {
    this.#conflicts.inc({ op, kind });
  }

  durable(op: string, result: 'ok' | 'miss' | 'conflict' | 'error'): void {
    this.#durable.inc({ op, result });
  }
}
