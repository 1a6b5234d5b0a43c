import { Counter, Gauge, Histogram, metricName, type Registry } from '@scaleout/metrics';
import type { BackendPool } from './backend/backend-pool.js';
import type { Cluster } from './routing/cluster.js';

const SERVICE = 'db-proxy';
const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Route = 'writer' | 'reader';
export type ErrorType =
  | 'server_error'
  | 'backend_lost'
  | 'no_writer'
  | 'auth_failed'
  | 'protocol'
  | 'packet_too_large'
  | 'pool_exhausted'
  | 'session_lost'
  | 'replay'
  | 'backend_connect';

/** Every metric of the proxy; hot-path children are bound once. */
export class ProxyMetrics {
  readonly queries: Counter<'route' | 'server'>;
  readonly queryDuration: Histogram<'route'>;
  readonly errors: Counter<'type'>;
  readonly retries: Counter<'reason'>;
  readonly clientConnections: Gauge;
  readonly clientConnectionsTotal: Counter<'result'>;
  readonly backendConnects: Counter<'server' | 'result'>;
  readonly controlActions: Counter<'kind' | 'result'>;
  readonly writerChanges: Counter;
  readonly causalReads: Counter<'result'>;
  readonly pins: Counter<'reason'>;
  readonly kills: Counter<'scope' | 'result'>;
  readonly writerWait: Histogram;
  readonly #queryChildren = new Map<string, { inc(): void }>();
  readonly #durationChildren: Record<Route, { observe(v: number): void }>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.queries = new Counter({
      name: metricName(SERVICE, 'queries', 'total'),
      help: 'Client commands relayed, by route (writer or reader) and backend server.',
      labelNames: ['route', 'server'],
      registers,
    });
    this.queryDuration = new Histogram({
      name: metricName(SERVICE, 'query_duration', 'seconds'),
      help: 'Time from a client command to the end of its response, by route.',
      labelNames: ['route'],
      buckets: QUERY_BUCKETS,
      registers,
    });
    this.#durationChildren = { writer: this.queryDuration.labels('writer'), reader: this.queryDuration.labels('reader') };
    this.errors = new Counter({
      name: metricName(SERVICE, 'errors', 'total'),
      help: 'Errors: ERR packets relayed from servers (server_error) and errors the proxy produced, by type.',
      labelNames: ['type'],
      registers,
    });
    this.retries = new Counter({
      name: metricName(SERVICE, 'retries', 'total'),
      help: 'Commands re-sent transparently, by reason (read_only: writer fenced; reader_error; lost before any byte).',
      labelNames: ['reason'],
      registers,
    });
    this.clientConnections = new Gauge({ name: metricName(SERVICE, 'client_connections'), help: 'Open client connections.', registers });
    this.clientConnectionsTotal = new Counter({
      name: metricName(SERVICE, 'client_connections', 'total'),
      help: 'Client connections by outcome of the handshake (accepted, auth_failed, rejected, error).',
      labelNames: ['result'],
      registers,
    });
    this.backendConnects = new Counter({
      name: metricName(SERVICE, 'backend_connects', 'total'),
      help: 'Backend connections opened, by server and result.',
      labelNames: ['server', 'result'],
      registers,
    });
    this.controlActions = new Counter({
      name: metricName(SERVICE, 'failover_events', 'total'),
      help: 'Replication control actions performed by this proxy (failover, switchover, fence, elect, rejoin) by result.',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.writerChanges = new Counter({ name: metricName(SERVICE, 'writer_changes', 'total'), help: 'Times the agreed writer changed.', registers });
    this.causalReads = new Counter({
      name: metricName(SERVICE, 'causal_reads', 'total'),
      help: 'Reads after a write in the same session: known (server had the GTID), waited (MASTER_GTID_WAIT succeeded), timeout (sent to the writer after waiting), writer.',
      labelNames: ['result'],
      registers,
    });
    this.pins = new Counter({
      name: metricName(SERVICE, 'session_pins', 'total'),
      help: 'Sessions pinned to one backend, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.kills = new Counter({
      name: metricName(SERVICE, 'kills', 'total'),
      help: 'KILL / KILL QUERY from clients, by scope (query, connection) and result (ok, unknown, denied, peer_error).',
      labelNames: ['scope', 'result'],
      registers,
    });
    this.writerWait = new Histogram({
      name: metricName(SERVICE, 'writer_wait', 'seconds'),
      help: 'Time writes were held waiting for a writer (failover, switchover).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
  }

  query(route: Route, server: string, seconds: number): void {
    const key = route + '\u0000' + server;
    let c = this.#queryChildren.get(key);
    if (!c) this.#queryChildren.set(key, (c = this.queries.labels(route, server)));
    c.inc();
    this.#durationChildren[route].observe(seconds);
  }

  /** Gauges read at scrape time from the pool and the cluster. */
  registerCollectors(registry: Registry, pool: BackendPool, cluster: Cluster): void {
    const registers = [registry];
    new Gauge({
      name: metricName(SERVICE, 'backend_connections'),
      help: 'Backend connections by server and state (in_use by sessions, idle in the pool, pending = connecting or resetting).',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        for (const s of pool.servers) {
          const st = pool.stats(s);
          this.set({ server: s, state: 'in_use' }, st.inUse);
          this.set({ server: s, state: 'idle' }, st.idle);
          this.set({ server: s, state: 'pending' }, st.pending);
        }
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'backend_inflight'),
      help: 'Commands running on each backend (what least-busy routing compares).',
      labelNames: ['server'],
      registers,
      collect() {
        for (const [s, n] of cluster.inflight) this.set({ server: s }, n);
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'backend_up'),
      help: '1 when the monitor sees the server healthy.',
      labelNames: ['server'],
      registers,
      collect() {
        for (const v of cluster.controller.views()) this.set({ server: v.name }, v.health === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'backend_writer'),
      help: '1 for the agreed writer.',
      labelNames: ['server'],
      registers,
      collect() {
        for (const v of cluster.controller.views()) this.set({ server: v.name }, v.role === 'writer' ? 1 : 0);
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'replication_lag', 'seconds'),
      help: 'Seconds_Behind_Master of each server (-1 when it does not replicate).',
      labelNames: ['server'],
      registers,
      collect() {
        for (const v of cluster.controller.views()) this.set({ server: v.name }, v.lagSeconds ?? -1);
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'replication_behind', 'transactions'),
      help: "Transactions in the writer's binlog that the server does not have yet.",
      labelNames: ['server'],
      registers,
      collect() {
        const views = cluster.controller.views();
        const w = views.find((v) => v.role === 'writer')?.probe?.gtidBinlogPos;
        for (const v of views) if (w && v.probe) this.set({ server: v.name }, Number(v.probe.gtidBinlogPos.behind(w)));
      },
    });
    new Gauge({
      name: metricName(SERVICE, 'semi_sync_active'),
      help: '1 while the server, as a master, waits for semi-sync acknowledgements (0: disabled or fell back to async).',
      labelNames: ['server'],
      registers,
      collect() {
        for (const v of cluster.controller.views()) if (v.probe) this.set({ server: v.name }, v.probe.semiSync.masterActive ? 1 : 0);
      },
    });
  }
}
