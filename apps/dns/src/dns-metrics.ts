import { Counter, Gauge, metricName, type Registry } from '@scaleout/metrics';
import { QUERY_TYPE_LABELS, RCODE_LABELS, TRANSPORT_LABELS, typeName } from './dns-constants.js';
import { DROP_REASONS, type DnsStats } from './dns-stats.js';
import type { ZoneSet } from './zone-set.js';

const SERVICE = 'dns';

export interface DnsMetricsSources {
  stats: DnsStats;
  zones: ZoneSet;
  /** Open TCP connections right now. */
  tcpConnections?: () => number;
}

/** Counters fed by events (not by the query path). */
export interface DnsMetrics {
  healthChecks: Counter<'address' | 'result'>;
  healthTransitions: Counter<'address' | 'to'>;
  failOpenEvents: Counter<'name' | 'type'>;
}

/**
 * Registers the DNS metrics. Query-path counters live in {@link DnsStats} typed arrays; each scrape
 * moves what accumulated into the prom-client metrics (`collect`), so the query path never touches
 * label maps. The latency histogram is exposed the same way through a small custom collector.
 */
export function registerDnsMetrics(registry: Registry, sources: DnsMetricsSources): DnsMetrics {
  const { stats, zones } = sources;

  const queryLabels: Array<{ type: string; transport: string; rcode: string }> = [];
  for (const type of QUERY_TYPE_LABELS) {
    for (const transport of TRANSPORT_LABELS) for (const rcode of RCODE_LABELS) queryLabels.push({ type, transport, rcode });
  }
  new Counter({
    name: metricName(SERVICE, 'queries', 'total'),
    help: 'DNS queries answered, by query type, transport and response code.',
    labelNames: ['type', 'transport', 'rcode'] as const,
    registers: [registry],
    collect() {
      const a = stats.queries;
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        if (v !== 0) {
          a[i] = 0;
          this.inc(queryLabels[i]!, v);
        }
      }
    },
  });

  new Counter({
    name: metricName(SERVICE, 'truncated_responses', 'total'),
    help: 'Answers sent with TC=1 because they did not fit the UDP size limit.',
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      TRANSPORT_LABELS.forEach((transport, i) => {
        const v = stats.truncated[i]!;
        stats.truncated[i] = 0;
        this.inc({ transport }, v);
      });
    },
  });

  new Counter({
    name: metricName(SERVICE, 'dropped_packets', 'total'),
    help: 'Packets that got no answer: short (no header), response (QR set), tcp_frame, tcp_limit, send_error, internal_error.',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      DROP_REASONS.forEach((reason, i) => {
        const v = stats.dropped[i]!;
        stats.dropped[i] = 0;
        this.inc({ reason }, v);
      });
    },
  });

  new Counter({
    name: metricName(SERVICE, 'address_answers', 'total'),
    help: 'Answers in which the address came first, by name and address (what round robin balances).',
    labelNames: ['name', 'address'] as const,
    registers: [registry],
    collect() {
      for (const entry of zones.addresses.values()) {
        for (const r of entry.records) {
          const v = stats.addressFirst[r.id] ?? 0;
          if (r.id < stats.addressFirst.length) stats.addressFirst[r.id] = 0;
          this.inc({ name: r.name.toDisplay(), address: entry.ip.text }, v);
        }
      }
    },
  });

  new Counter({
    name: metricName(SERVICE, 'fail_open_answers', 'total'),
    help: 'Answers given with every address of the name (all unhealthy or drained): failing open.',
    labelNames: ['name', 'type'] as const,
    registers: [registry],
    collect() {
      for (const node of zones.nodes()) {
        for (const rs of node.rrsets.values()) {
          if (!rs.isAddressSet) continue;
          const v = stats.failOpenAnswers[rs.id] ?? 0;
          if (rs.id < stats.failOpenAnswers.length) stats.failOpenAnswers[rs.id] = 0;
          this.inc({ name: node.name.toDisplay(), type: typeName(rs.type) }, v);
        }
      }
    },
  });

  const failOpenEvents = new Counter({
    name: metricName(SERVICE, 'fail_open_events', 'total'),
    help: 'Times a name started failing open (no healthy, enabled address left).',
    labelNames: ['name', 'type'] as const,
    registers: [registry],
  });

  new Gauge({
    name: metricName(SERVICE, 'address_healthy'),
    help: '1 when the address passes its health check (or has none), 0 when it is down.',
    labelNames: ['address'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of zones.addresses.values()) this.set({ address: e.ip.text }, e.health === 'down' ? 0 : 1);
    },
  });

  new Gauge({
    name: metricName(SERVICE, 'address_drained'),
    help: '1 when the address was drained through the admin API.',
    labelNames: ['address'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of zones.addresses.values()) this.set({ address: e.ip.text }, e.drained ? 1 : 0);
    },
  });

  new Gauge({
    name: metricName(SERVICE, 'zone_serial'),
    help: 'SOA serial of each zone (bumps on record changes).',
    labelNames: ['zone'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const z of zones.zones) this.set({ zone: z.origin.toDisplay() }, z.serial);
    },
  });

  const tcpConnections = sources.tcpConnections;
  new Gauge({
    name: metricName(SERVICE, 'tcp_connections'),
    help: 'Open DNS-over-TCP connections.',
    registers: [registry],
    collect() {
      this.set(tcpConnections ? tcpConnections() : 0);
    },
  });

  const healthChecks = new Counter({
    name: metricName(SERVICE, 'health_checks', 'total'),
    help: 'Health checks run per address, by result (ok, fail).',
    labelNames: ['address', 'result'] as const,
    registers: [registry],
  });
  const healthTransitions = new Counter({
    name: metricName(SERVICE, 'health_transitions', 'total'),
    help: 'Health state changes per address, by new state (up, down).',
    labelNames: ['address', 'to'] as const,
    registers: [registry],
  });

  registerLatencyHistogram(registry, stats);
  return { healthChecks, healthTransitions, failOpenEvents };
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * `scaleout_dns_query_duration_seconds{transport}`: time from receiving a query to handing the reply to
 * the kernel. The buckets are kept by {@link DnsStats.observeLatency} (a scan over a typed array) and
 * exposed here as a regular Prometheus histogram; cumulative, never reset.
 */
function registerLatencyHistogram(registry: Registry, stats: DnsStats): void {
  const name = metricName(SERVICE, 'query_duration', 'seconds');
  const bounds = [...stats.latencyBounds];
  const metric = {
    name,
    help: 'Time to answer one DNS query inside the server (receive to send), by transport.',
    type: 'histogram',
    aggregator: 'sum',
    collect: undefined,
    labelNames: ['transport', 'le'],
    async get() {
      const values: MetricValue[] = [];
      TRANSPORT_LABELS.forEach((transport, t) => {
        const base = t * (bounds.length + 1);
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += stats.latencyCounts[base + i]!;
          values.push({ metricName: `${name}_bucket`, labels: { transport, le }, value: cumulative });
        });
        cumulative += stats.latencyCounts[base + bounds.length]!;
        values.push({ metricName: `${name}_bucket`, labels: { transport, le: '+Inf' }, value: cumulative });
        values.push({ metricName: `${name}_sum`, labels: { transport }, value: stats.latencySum[t]! });
        values.push({ metricName: `${name}_count`, labels: { transport }, value: cumulative });
      });
      return { name, help: metric.help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      stats.latencyCounts.fill(0);
      stats.latencySum.fill(0);
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
