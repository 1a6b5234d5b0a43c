import type { PoolView, ServerView } from '@scaleout/contracts';
import type { Logger } from '@scaleout/service';
import type { AdminState, BackendServer, ServerSpec } from './backend-server.js';
import type { PageCache } from './cache/page-cache.js';
import type { LbConfig } from './config.js';
import type { Pool } from './pool.js';

/*
 * The admin API's view of the load balancer: the operations its routes call (the JSON it returns is
 * in @scaleout/contracts, shared with the callers).
 * {@link LoadBalancer} implements {@link AdminTarget}; the routes see only this, so they do not import
 * the app that registers them.
 */

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

export type { PoolView, ServerView };
