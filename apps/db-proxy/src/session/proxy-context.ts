import type { SecureContext } from 'node:tls';
import type { Logger } from '@scaleout/service';
import type { BackendPool } from '../backend/backend-pool.js';
import type { ProxyMetrics } from '../proxy-metrics.js';
import type { Cluster } from '../routing/cluster.js';
import type { UserStore } from './user-store.js';

/** What every client session shares. */
export interface ProxyContext {
  pool: BackendPool;
  cluster: Cluster;
  users: UserStore;
  metrics: ProxyMetrics;
  logger: Logger;
  /** TLS for clients that ask for it (CLIENT_SSL); undefined: TLS not offered. */
  tls: SecureContext | undefined;
  /** Largest client command payload accepted (bytes). */
  maxPacket: number;
  /** How long writes wait for a writer during failover/switchover. */
  writerWaitMs: number;
  /** MASTER_GTID_WAIT timeout for causal reads on a reader. */
  causalTimeoutMs: number;
  /** Session commands kept for replay before the session is pinned. */
  historyMax: number;
  /** Handshake must complete within this. */
  handshakeTimeoutMs: number;
  /** Version string in the greeting. */
  serverVersion(): string;
  nextConnectionId(): number;
}
