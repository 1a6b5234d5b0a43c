/**
 * The load balancer's admin API (apps/lb, called by apps/stack and apps/web): pools and servers under
 * `/api/pools`, bearer token `SCALEOUT_ADMIN_TOKEN`.
 */

/** A server's administrative state (set through the admin API). */
export type LbAdminState = 'ready' | 'drain' | 'maint';

/** JSON view of a server. */
export interface ServerView {
  name: string;
  address: string;
  source: string;
  state: string;
  adminState: LbAdminState;
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

/** JSON view of a pool. */
export interface PoolView {
  name: string;
  algorithm: string;
  discovery: { name: string; port: number; lastError: string | null } | null;
  queue: number;
  redispatches: number;
  serversUp: number;
  servers: ServerView[];
}

/** `GET /api/pools`. */
export interface PoolsAnswer {
  instance: string;
  pools: PoolView[];
}

/** `PUT /api/pools/:pool/servers/:server/state`. */
export interface ServerStateBody {
  state: LbAdminState;
}

/** `PUT /api/pools/:pool/servers/:server/weight`. */
export interface ServerWeightBody {
  weight: number;
}

/** `POST /api/pools/:pool/servers` (201; 409 when the name or address is already in the pool). */
export interface AddServerBody {
  name?: string;
  address: string;
  weight?: number;
  maxconn?: number;
  state?: LbAdminState;
}

/** The path of a pool's servers, or of one server (names are URL-encoded). */
export function lbServersPath(pool: string, server?: string): string {
  const base = `/api/pools/${encodeURIComponent(pool)}/servers`;
  return server === undefined ? base : `${base}/${encodeURIComponent(server)}`;
}
