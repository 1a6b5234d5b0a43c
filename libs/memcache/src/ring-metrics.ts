import { Counter, FAST_LATENCY_BUCKETS, Gauge, Histogram, metricName, type Registry } from '@scaleout/metrics';
import type { MemcacheRing, RingObserver } from './memcache-ring.js';

export interface RingMetricsOptions {
  registry: Registry;
  /** Service part of the metric names: `scaleout_<service>_memcached_…`. */
  service: string;
}

/** The ring metrics: an observer to pass to the ring, and `bind(ring)` for the gauges read at scrape time. */
export interface RingMetrics {
  observer: RingObserver;
  /** Reports `ring`'s node states and repair-queue length at every scrape. */
  bind(ring: MemcacheRing): void;
}

/**
 * Prometheus metrics for a {@link MemcacheRing} (labels are node addresses from the configuration and
 * fixed enums, so cardinality is bounded):
 *
 * - `scaleout_<service>_memcached_requests_total{node,op,result}`
 * - `scaleout_<service>_memcached_request_duration_seconds{node,op}`
 * - `scaleout_<service>_memcached_node_up{node}` (1 up, 0 TKO) and `…_node_warming{node}`
 * - `scaleout_<service>_memcached_node_tko_total{node}`
 * - `scaleout_<service>_memcached_repairs_total{kind,result}` and `…_repair_queue_length`
 * - `scaleout_<service>_memcached_replica_write_failures_total{node,op}`
 */
export function createRingMetrics(options: RingMetricsOptions): RingMetrics {
  const { registry, service } = options;
  const name = (what: string, unit?: string) => metricName(service, what, unit);
  const requests = new Counter({
    name: name('memcached_requests', 'total'),
    help: 'Calls to memcached nodes by node, operation and result.',
    labelNames: ['node', 'op', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: name('memcached_request_duration', 'seconds'),
    help: 'Duration of calls to memcached nodes (timeouts included).',
    labelNames: ['node', 'op'],
    buckets: [...FAST_LATENCY_BUCKETS],
    registers: [registry],
  });
  const tko = new Counter({
    name: name('memcached_node_tko', 'total'),
    help: 'Times a memcached node was marked down (TKO).',
    labelNames: ['node'],
    registers: [registry],
  });
  const repairs = new Counter({
    name: name('memcached_repairs', 'total'),
    help: 'Replica repairs by kind (read, warmup, queued) and result.',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const writeFailures = new Counter({
    name: name('memcached_replica_write_failures', 'total'),
    help: 'Writes that missed a replica (queued for repair), by node and operation.',
    labelNames: ['node', 'op'],
    registers: [registry],
  });
  const rings: MemcacheRing[] = [];
  new Gauge({
    name: name('memcached_node_up'),
    help: '1 when the memcached node takes traffic, 0 when it is marked down (TKO).',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ring of rings) for (const s of ring.status()) this.set({ node: s.address }, s.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: name('memcached_node_warming'),
    help: '1 while a memcached node that came back is warming up (reads copy its keys to it).',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ring of rings) for (const s of ring.status()) this.set({ node: s.address }, s.warming ? 1 : 0);
    },
  });
  new Gauge({
    name: name('memcached_repair_queue_length'),
    help: 'Replica repairs waiting in the queue.',
    registers: [registry],
    collect() {
      this.set(rings.reduce((sum, r) => sum + r.repairQueueLength, 0));
    },
  });
  return {
    observer: {
      call(node, op, result, seconds) {
        requests.inc({ node, op, result });
        if (result !== 'node_down') duration.observe({ node, op }, seconds);
      },
      nodeState(node, state) {
        if (state === 'tko') tko.inc({ node });
      },
      repair(kind, result) {
        repairs.inc({ kind, result });
      },
      replicaWriteFailed(node, op) {
        writeFailures.inc({ node, op });
      },
    },
    bind(ring) {
      rings.push(ring);
    },
  };
}
