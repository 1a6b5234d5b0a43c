import type { Logger } from '@scaleout/service';
import type { AdminState, BackendServer, ServerSpec } from './backend-server.js';
import type { PageCache } from './cache/page-cache.js';
import type { LbConfig } from './config.js';
import type { Pool } from './pool.js';

/*
 * The admin API's view of the load balancer: the JSON it returns and the operations its routes call.
 * {@link LoadBalancer} implements {@link AdminTarget}; the routes see only this, so they do not import
 * the app that registers them.
 */

/** JSON view of a server for the admin API. */
export interface ServerView {
  name: string;
  address: string;
  source: string;
  state: string;
  adminState: AdminState;
  healthy: boolean;
  ejected: boolean;
  weight: number;
  maxconn: number;
  inflight: number;
  idleConnections: number;
  requests: number;
  responses: Record<string, number>;
  connectionErrors: number;
  retries: number;
  transitions: number;
  bytesIn: number;
  bytesOut: number;
  lastTransitionAt: string;
  check?: { state: string; checks: number; failures: number; lastError: string | null };
}

export interface PoolView {
  name: string;
  algorithm: string;
  discovery: { name: string; port: number; lastError: string | null } | null;
  queue: number;
  redispatches: number;
  serversUp: number;
  servers: ServerView[];
}

/** What the admin routes read and change on the load balancer. */
export interface AdminTarget {
  readonly config: Pick<LbConfig, 'instance' | 'maxconn'>;
  readonly logger: Logger;
  readonly pools: ReadonlyMap<string, Pool>;
  /** The page cache, when a pool caches (LB_CACHE). */
  readonly cache: PageCache | null;
  pool(name: string): Pool;
  server(poolName: string, name: string): { pool: Pool; server: BackendServer };
  viewPool(pool: Pool): PoolView;
  viewServer(pool: Pool, s: BackendServer): ServerView;
  setState(poolName: string, name: string, state: AdminState): ServerView;
  setWeight(poolName: string, name: string, weight: number): ServerView;
  addServer(poolName: string, spec: ServerSpec, state?: AdminState): ServerView;
  removeServer(poolName: string, name: string): void;
}
