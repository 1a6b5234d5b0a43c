import type { SecureContext } from 'node:tls';
import type { Logger } from '@scaleout/service';
import type { BackendPool } from '../backend/backend-pool.js';
import type { ProxyMetrics } from '../proxy-metrics.js';
import type { Cluster } from '../routing/cluster.js';
import type { UserStore } from './user-store.js';
import type { ResultCache } from '../result-cache/result-cache.js';

/** Outcome of `KILL <id>` as MariaDB would report it. */
export type KillResult = 'ok' | 'unknown' | 'denied';

/** What every client session shares. */
export interface ProxyContext {
  pool: BackendPool;
  cluster: Cluster;
  users: UserStore;
  metrics: ProxyMetrics;
  /** Result cache by query rule; undefined when no rule is configured (off). */
  resultCache: ResultCache | undefined;
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
  /** The next free client connection id (in this proxy's id block). */
  nextConnectionId(): number;
  /** MariaDB extended capabilities to offer: what every known backend offers and the proxy can relay. */
  extCapabilities(): number;
  /**
   * `KILL [QUERY] <id>` from a client of `user`: a session of this proxy, or (id in a peer's block) of
   * the peer proxy through its admin API. Throws PeerUnreachableError when the peer cannot be asked.
   */
  kill(id: number, query: boolean, user: string): Promise<KillResult>;
  /**
   * Runs `KILL QUERY|CONNECTION <backendId>` on `server` (a pool connection); resolves when done.
   * `still` is asked again once the control connection is in hand: false skips the KILL (the statement
   * ended meanwhile, and the backend thread may already run something else).
   */
  killBackend(server: string, backendId: number, query: boolean, still?: () => boolean): Promise<void>;
}
