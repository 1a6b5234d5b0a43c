// The stack description: which services run, how many instances, on which addresses, in what order,
// with which settings. This is the one place a service is added to the local stack (DESIGN.md's address
// plan); the supervisor, the CLI, the dashboard and the Prometheus config are all derived from it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { httpProbe } from '@scaleout/health';
import {
  mariadbPaths,
  mariadbSpec,
  memcachedSpec,
  prepareMariadbDataDir,
  prometheusAvailable,
  prometheusSpec,
  type DaemonSpec,
  type QueryCacheOptions,
} from '@scaleout/infra';
import {
  bootstrapServer,
  readSlaveStatus,
  replicateFrom,
  waitReplicating,
  withAdmin,
  type ServerEndpoint,
} from '@scaleout/replication';
import { callAdmin, type AdminAnswer } from './admin-client.js';
import type { StackPaths } from './stack-paths.js';
import type { StackSecrets } from './stack-secrets.js';

export type ServiceName = 'db' | 'mc' | 'session' | 'db-proxy' | 'web' | 'lb' | 'dns' | 'prometheus';

export interface StackOptions {
  /** First two octets of every address: `127.0` gives the address plan of DESIGN.md. */
  net: string;
  paths: StackPaths;
  repoRoot: string;
  /** Instance counts of the scalable services. */
  counts: { web: number };
  secrets: StackSecrets;
  adminToken: string;
  /** Install missing Debian packages (root only). */
  installMissing: boolean;
  /** Run Prometheus: 'auto' = when installed. */
  prometheus: boolean | 'auto';
  /** MariaDB's query cache on db1 and db2 (undefined: the server's default, OFF). */
  queryCache?: QueryCacheOptions;
  /** Told when something is installed or set up. */
  notify(message: string): void;
  /** The LBs' slow start (weight ramp of a joining replica); default: the LB's own (10 s). */
  lbSlowStartSeconds?: number;
  /** Environment added to every instance of a Node service (scenarios set LB policies this way). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

/** One process of the stack. */
export interface InstanceSpec {
  name: string;
  service: ServiceName;
  host: string;
  port: number;
  /** `host:port` of the main listener. */
  address: string;
  /** Prometheus scrape target (`host:port`) and path, when the instance exposes metrics. */
  metrics?: { target: string; path: string };
  /** Builds the daemon spec (may prepare data folders). */
  daemon(): DaemonSpec;
  /** Extra file whose tail explains a failed start (mariadbd's error log). */
  errorLog?: string;
  /** Base URL of the instance's admin API, when it has one. */
  adminUrl?: string;
}

/** One service: its instances and what runs once they are all ready. */
export interface ServiceSpec {
  service: ServiceName;
  /** Start order: lower levels start first; a level starts when the previous one is ready. */
  level: number;
  /** `scaleout scale <service>=N` allowed. */
  scalable: boolean;
  instances(count?: number): InstanceSpec[];
  /** Runs after every instance of the service is ready at `up` (e.g. replication set-up). */
  afterReady?(instances: InstanceSpec[]): Promise<void>;
  /** Whether this service is part of the stack (its app exists, its binary is installed). */
  enabled(): boolean;
  /** Scale-in: runs before these instances are stopped (take them out of balancers). */
  beforeRemove?(instances: InstanceSpec[]): Promise<void>;
  /** Scale-out: runs after these new instances are ready (put them into balancers). */
  afterAdd?(instances: InstanceSpec[]): Promise<void>;
}

export const DB_PORT = 3306;
export const MC_PORT = 11211;
export const PROMETHEUS_PORT = 9090;
export const CONTROL_PORT = 7000;

/** `127.0` + (6, 1) → `127.0.6.1`. */
export function stackAddress(net: string, third: number, fourth: number): string {
  return `${net}.${third}.${fourth}`;
}

export function controlHost(net: string): string {
  return stackAddress(net, 0, 1);
}

/** Development database accounts (DESIGN.md): refused by the services when NODE_ENV=production. */
export const DEV_ACCOUNTS = {
  app: { user: 'app', password: 'app' },
  repl: { user: 'repl', password: 'repl' },
  /** The proxies' monitoring and fencing account. */
  admin: { user: 'scaleout', password: 'scaleout' },
} as const;

function dbInstances(o: StackOptions): InstanceSpec[] {
  return [1, 2].map((n) => {
    const name = `db${n}`;
    const host = stackAddress(o.net, 6, n);
    const baseDir = join(o.paths.data, name);
    return {
      name,
      service: 'db' as const,
      host,
      port: DB_PORT,
      address: `${host}:${DB_PORT}`,
      errorLog: mariadbPaths(baseDir).errorLog,
      daemon() {
        const opts = {
          name,
          baseDir,
          host,
          port: DB_PORT,
          serverId: n,
          gtidDomainId: n,
          autoIncrementIncrement: 2,
          autoIncrementOffset: n,
          bufferPoolMb: 128,
          semiSync: { timeoutMs: 1000 },
          queryCache: o.queryCache,
          install: o.installMissing,
          onInstall: o.notify,
        };
        if (prepareMariadbDataDir(opts)) o.notify(`${name}: created a new data folder in ${baseDir}`);
        return mariadbSpec(opts);
      },
    };
  });
}

/** Root over the unix socket of a stack database. */
export function dbRootEndpoint(o: Pick<StackOptions, 'paths'>, db: InstanceSpec): ServerEndpoint {
  return {
    name: db.name,
    host: db.host,
    port: db.port,
    socketPath: mariadbPaths(join(o.paths.data, db.name)).socket,
    user: 'root',
    password: '',
  };
}

function mcInstances(o: StackOptions): InstanceSpec[] {
  return [1, 2].map((n) => {
    const name = `mc${n}`;
    const host = stackAddress(o.net, 4, n);
    return {
      name,
      service: 'mc' as const,
      host,
      port: MC_PORT,
      address: `${host}:${MC_PORT}`,
      daemon: () => memcachedSpec({ name, host, port: MC_PORT, memoryMb: 64, install: o.installMissing, onInstall: o.notify }),
    };
  });
}

/** A Node service of this repository, run from its TypeScript sources with tsx. */
export function nodeService(
  o: StackOptions,
  app: string,
  inst: { name: string; service: ServiceName; host: string; port: number; readyUrl: string; metricsTarget: string; env: Record<string, string> },
): InstanceSpec {
  return {
    name: inst.name,
    service: inst.service,
    host: inst.host,
    port: inst.port,
    address: `${inst.host}:${inst.port}`,
    metrics: { target: inst.metricsTarget, path: '/metrics' },
    daemon: () => ({
      name: inst.name,
      command: process.execPath,
      args: ['--import', 'tsx', join(o.repoRoot, 'apps', app, 'src', 'server.ts')],
      cwd: o.repoRoot,
      env: { ...process.env, NODE_ENV: 'development', SCALEOUT_ADMIN_TOKEN: o.adminToken, ...inst.env, ...o.serviceEnv?.[inst.service] },
      ready: httpProbe({ url: inst.readyUrl }),
      readyTimeoutMs: 60_000,
      stopTimeoutMs: 15_000,
    }),
  };
}

export const SESSION_PORT = 4000;

function sessionInstances(o: StackOptions, mcs: InstanceSpec[]): InstanceSpec[] {
  return [1, 2].map((n) => {
    const host = stackAddress(o.net, 3, n);
    return nodeService(o, 'session', {
      name: `session${n}`,
      service: 'session',
      host,
      port: SESSION_PORT,
      readyUrl: `http://${host}:${SESSION_PORT}/readyz`,
      metricsTarget: `${host}:${SESSION_PORT}`,
      env: {
        SESSION_INSTANCE: `session${n}`,
        SESSION_HOST: host,
        SESSION_PORT: String(SESSION_PORT),
        SESSION_MEMCACHED: mcs.map((m) => m.address).join(','),
        SESSION_DRAIN_DELAY: '500ms',
      },
    });
  });
}

export const PROXY_PORT = 6033;
export const PROXY_ADMIN_PORT = 6080;

/** proxy1 and proxy2, both active, in front of db1/db2 (the same backend order in both: db1 preferred writer). */
function proxyInstances(o: StackOptions, dbs: InstanceSpec[]): InstanceSpec[] {
  return [1, 2].map((n) => {
    const host = stackAddress(o.net, 5, n);
    const inst = nodeService(o, 'db-proxy', {
      name: `proxy${n}`,
      service: 'db-proxy',
      host,
      port: PROXY_PORT,
      readyUrl: `http://${host}:${PROXY_ADMIN_PORT}/readyz`,
      metricsTarget: `${host}:${PROXY_ADMIN_PORT}`,
      env: {
        DBPROXY_INSTANCE: `proxy${n}`,
        // Connection ids from a block per proxy; a KILL of the peer's id is forwarded to its admin API.
        DBPROXY_ID_BLOCK: String(n),
        DBPROXY_PEERS: [1, 2]
          .filter((m) => m !== n)
          .map((m) => `${m}=http://${stackAddress(o.net, 5, m)}:${PROXY_ADMIN_PORT}`)
          .join(','),
        DBPROXY_HOST: host,
        DBPROXY_PORT: String(PROXY_PORT),
        DBPROXY_ADMIN_HOST: host,
        DBPROXY_ADMIN_PORT: String(PROXY_ADMIN_PORT),
        DBPROXY_BACKENDS: dbs.map((d) => `${d.name}=${d.address}`).join(','),
        DBPROXY_USERS: `${DEV_ACCOUNTS.app.user}:${DEV_ACCOUNTS.app.password}`,
        DBPROXY_BACKEND_USER: DEV_ACCOUNTS.app.user,
        DBPROXY_BACKEND_PASSWORD: DEV_ACCOUNTS.app.password,
        DBPROXY_MONITOR_USER: DEV_ACCOUNTS.admin.user,
        DBPROXY_MONITOR_PASSWORD: DEV_ACCOUNTS.admin.password,
        DBPROXY_REPL_USER: DEV_ACCOUNTS.repl.user,
        DBPROXY_REPL_PASSWORD: DEV_ACCOUNTS.repl.password,
      },
    });
    return { ...inst, adminUrl: `http://${host}:${PROXY_ADMIN_PORT}` };
  });
}

export const WEB_PORT = 3000;
/** The address plan's limit (and `/api/scale`'s). */
export const MAX_WEB_REPLICAS = 50;

function webInstances(
  o: StackOptions,
  count: number,
  deps: { dbs: InstanceSpec[]; mcs: InstanceSpec[]; sessions: InstanceSpec[] },
): InstanceSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const host = stackAddress(o.net, 2, n);
    return nodeService(o, 'web', {
      name: `web${n}`,
      service: 'web',
      host,
      port: WEB_PORT,
      readyUrl: `http://${host}:${WEB_PORT}/readyz`,
      metricsTarget: `${host}:${WEB_PORT}`,
      env: {
        WEB_INSTANCE: `web${n}`,
        WEB_HOST: host,
        WEB_PORT: String(WEB_PORT),
        // Every replica tries the database endpoints (the proxies) in the same order.
        WEB_DB_HOSTS: deps.dbs.map((d) => d.address).join(','),
        WEB_SESSION_URLS: rotate(deps.sessions.map((x) => `http://${x.address}`), n - 1).join(','),
        WEB_MEMCACHED_NODES: deps.mcs.map((m) => m.address).join(','),
        WEB_COOKIE_SECRET: o.secrets.cookieSecret,
        WEB_DRAIN_DELAY: '1s',
        // a product or stock change bans the cached pages on both LBs (token: SCALEOUT_ADMIN_TOKEN)
        WEB_LB_ADMIN_URLS: [1, 2].map((l) => `http://${stackAddress(o.net, 1, l)}:${LB_ADMIN_PORT}`).join(','),
      },
    });
  });
}

export const LB_HTTP_PORT = 8080;
export const LB_HTTPS_PORT = 8443;
export const LB_ADMIN_PORT = 8404;

function lbInstances(o: StackOptions, webs: InstanceSpec[]): InstanceSpec[] {
  return [1, 2].map((n) => {
    const host = stackAddress(o.net, 1, n);
    const inst = nodeService(o, 'lb', {
      name: `lb${n}`,
      service: 'lb',
      host,
      port: LB_HTTP_PORT,
      readyUrl: `http://${host}:${LB_ADMIN_PORT}/readyz`,
      metricsTarget: `${host}:${LB_ADMIN_PORT}`,
      env: {
        LB_INSTANCE: `lb${n}`,
        LB_HOST: host,
        LB_HTTP_PORT: String(LB_HTTP_PORT),
        LB_HTTPS_PORT: String(LB_HTTPS_PORT),
        LB_ADMIN_HOST: host,
        LB_ADMIN_PORT: String(LB_ADMIN_PORT),
        LB_SERVERS: webs.map((w) => `${w.name}=${w.address}`).join(','),
        LB_COOKIE_SECRET: o.secrets.lbCookieSecret,
        LB_STATE_FILE: join(o.paths.data, `lb${n}`, 'state.json'),
        LB_CHECK_PATH: '/readyz',
        LB_CHECK_INTERVAL: '1s',
        LB_CHECK_FAST_INTERVAL: '500ms',
        LB_CHECK_DOWN_INTERVAL: '1s',
        LB_CHECK_RISE: '2',
        LB_CHECK_FALL: '2',
        // Locally every client is 127.0.0.1: a source-IP hash would send every cookieless request
        // (curl, wrk) to one replica. Browsers still stick through the SRV cookie.
        LB_STICKY_FALLBACK: 'balance',
        // The page cache: web marks anonymous catalogue pages and product JSON shareable and bans them on change.
        LB_CACHE: 'true',
        LB_CACHE_PATHS: '/',
        // Sessions live in the session service: a draining replica's sticky clients move at once (scale-in).
        LB_STICKY_MOVE_DRAINING: 'true',
        ...(o.lbSlowStartSeconds === undefined ? {} : { LB_SLOW_START: `${o.lbSlowStartSeconds}s` }),
      },
    });
    return { ...inst, adminUrl: `http://${host}:${LB_ADMIN_PORT}` };
  });
}

/**
 * Keeps the LBs' `web` pool in step with `scaleout scale web=N`: new replicas are added once ready;
 * replicas about to be stopped are removed first (in-flight requests finish). An LB that is not running
 * is skipped: its state file is updated when it is next reachable through the same calls.
 */
async function syncLbPools(o: StackOptions, lbs: InstanceSpec[], change: { add?: InstanceSpec[]; remove?: InstanceSpec[] }): Promise<void> {
  if (!appExists(o, 'lb')) return;
  const report = (lb: InstanceSpec, what: string, a: AdminAnswer, ok: (status: number) => boolean) => {
    if (a.status === 0) o.notify(`${lb.name}: pool update skipped (${(a.body as { message: string }).message})`);
    else if (!ok(a.status)) o.notify(`${lb.name}: ${what} answered ${a.status}`);
    return a.status !== 0;
  };
  await Promise.all(
    lbs.map(async (lb) => {
      const call = (method: string, path: string, body?: unknown) => callAdmin(lb.adminUrl!, o.adminToken, { method, path: `/api/pools/web/servers${path}`, body, timeoutMs: 3000 });
      for (const w of change.add ?? []) {
        if (!report(lb, `adding ${w.name}`, await call('POST', '', { name: w.name, address: w.address }), (s) => s === 201 || s === 409)) return;
      }
      const removing = change.remove ?? [];
      // Safe scale-in: drain first (no new requests; sticky clients move, sessions are shared), wait for
      // the requests in flight to finish, then remove (the supervisor sends SIGTERM after this).
      for (const w of removing) {
        if (!report(lb, `draining ${w.name}`, await call('PUT', `/${encodeURIComponent(w.name)}/state`, { state: 'drain' }), (s) => s < 300 || s === 404)) return;
      }
      for (const w of removing) await waitDrained(o, lb, w, (path) => call('GET', path));
      for (const w of removing) {
        if (!report(lb, `removing ${w.name}`, await call('DELETE', `/${encodeURIComponent(w.name)}`), (s) => s < 300 || s === 404)) return;
      }
    }),
  );
}

/** A drained replica's in-flight requests get this long to finish before it is removed anyway. */
export const DRAIN_TIMEOUT_MS = 30_000;

/** Polls the LB until the server has no request in flight (or is gone, or the LB stops answering). */
async function waitDrained(o: StackOptions, lb: InstanceSpec, w: InstanceSpec, get: (path: string) => Promise<AdminAnswer>): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const a = await get(`/${encodeURIComponent(w.name)}`);
    if (a.status !== 200) return;
    const inflight = (a.body as { inflight?: number }).inflight ?? 0;
    if (inflight === 0) return;
    if (Date.now() > deadline) {
      o.notify(`${lb.name}: ${w.name} still had ${inflight} requests in flight after ${DRAIN_TIMEOUT_MS / 1000} s of draining; removing it`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const DNS_PORT = 5300;
export const DNS_ADMIN_PORT = 5380;
export const STACK_ZONE = 'scaleout.test';

/** The stack's DNS: `www.scaleout.test` → the LBs, each bound to its LB's readiness check. */
function dnsInstances(o: StackOptions, lbs: InstanceSpec[]): InstanceSpec[] {
  const host = controlHost(o.net);
  const records = lbs.map((lb) => `www A ${lb.host} check=http://{addr}:${LB_ADMIN_PORT}/readyz`);
  const inst = nodeService(o, 'dns', {
    name: 'dns',
    service: 'dns',
    host,
    port: DNS_PORT,
    readyUrl: `http://${host}:${DNS_ADMIN_PORT}/readyz`,
    metricsTarget: `${host}:${DNS_ADMIN_PORT}`,
    env: {
      DNS_INSTANCE: 'dns',
      DNS_HOST: host,
      DNS_PORT: String(DNS_PORT),
      DNS_ADMIN_HOST: host,
      DNS_ADMIN_PORT: String(DNS_ADMIN_PORT),
      DNS_ZONE: STACK_ZONE,
      DNS_RECORDS: records.join('; '),
      DNS_CHECK_INTERVAL: '1s',
      DNS_CHECK_FAST_INTERVAL: '500ms',
      DNS_CHECK_RISE: '2',
      DNS_CHECK_FALL: '2',
    },
  });
  return [{ ...inst, address: `${host}:${DNS_PORT}`, adminUrl: `http://${host}:${DNS_ADMIN_PORT}` }];
}

/** `list` rotated left by `by` (spreads replicas over equivalent endpoints). */
function rotate<T>(list: T[], by: number): T[] {
  const k = list.length ? by % list.length : 0;
  return [...list.slice(k), ...list.slice(0, k)];
}

function appExists(o: StackOptions, app: string): boolean {
  return existsSync(join(o.repoRoot, 'apps', app, 'src', 'server.ts'));
}

/** Every service of the stack, in start order. */
export function describeStack(o: StackOptions): ServiceSpec[] {
  const dbs = () => dbInstances(o);
  const mcs = () => mcInstances(o);
  const services: ServiceSpec[] = [
    {
      service: 'db',
      level: 0,
      scalable: false,
      enabled: () => true,
      instances: dbs,
      async afterReady(instances) {
        const [a, b] = instances.map((i) => dbRootEndpoint(o, i));
        await setUpDatabasePair(o, a!, b!);
      },
    },
    { service: 'mc', level: 0, scalable: false, enabled: () => true, instances: mcs },
    {
      service: 'session',
      level: 1,
      scalable: false,
      enabled: () => appExists(o, 'session'),
      instances: () => sessionInstances(o, mcs()),
    },
    {
      service: 'db-proxy',
      level: 1,
      scalable: false,
      enabled: () => appExists(o, 'db-proxy'),
      instances: () => proxyInstances(o, dbs()),
    },
    {
      service: 'web',
      level: 2,
      scalable: true,
      enabled: () => appExists(o, 'web'),
      instances: (count) =>
        webInstances(o, count ?? o.counts.web, {
          dbs: appExists(o, 'db-proxy') ? proxyInstances(o, dbs()) : dbs(),
          mcs: mcs(),
          sessions: sessionInstances(o, mcs()),
        }),
      afterAdd: (added) => syncLbPools(o, lbInstances(o, []), { add: added }),
      beforeRemove: (removed) => syncLbPools(o, lbInstances(o, []), { remove: removed }),
    },
    {
      service: 'lb',
      level: 3,
      scalable: false,
      enabled: () => appExists(o, 'lb'),
      instances: () => lbInstances(o, appExists(o, 'web') ? webInstances(o, o.counts.web, { dbs: [], mcs: [], sessions: [] }) : []),
    },
    {
      service: 'dns',
      level: 4,
      scalable: false,
      enabled: () => appExists(o, 'dns'),
      instances: () => dnsInstances(o, appExists(o, 'lb') ? lbInstances(o, []) : []),
    },
  ];
  if (o.prometheus !== false) {
    services.push({
      service: 'prometheus',
      level: 9,
      scalable: false,
      enabled: () => o.prometheus === true || prometheusAvailable(),
      instances: () => {
        const host = controlHost(o.net);
        return [
          {
            name: 'prometheus',
            service: 'prometheus' as const,
            host,
            port: PROMETHEUS_PORT,
            address: `${host}:${PROMETHEUS_PORT}`,
            metrics: { target: `${host}:${PROMETHEUS_PORT}`, path: '/metrics' },
            daemon: () =>
              prometheusSpec({
                configFile: join(o.paths.home, 'prometheus', 'prometheus.yml'),
                dataDir: join(o.paths.data, 'prometheus'),
                host,
                port: PROMETHEUS_PORT,
              }),
          },
        ];
      },
    });
  }
  return services.sort((x, y) => x.level - y.level);
}

/**
 * Makes db1 and db2 masters of each other: bootstrap accounts and the `shop` database on both
 * (idempotent, not binlogged), then point each at the other when it replicates from nobody yet.
 */
export async function setUpDatabasePair(o: Pick<StackOptions, 'notify'>, a: ServerEndpoint, b: ServerEndpoint): Promise<void> {
  const accounts = { app: DEV_ACCOUNTS.app, repl: DEV_ACCOUNTS.repl, admin: DEV_ACCOUNTS.admin };
  for (const e of [a, b]) await withAdmin(e, (c) => bootstrapServer(c, accounts));
  for (const [replica, master] of [
    [a, b],
    [b, a],
  ] as const) {
    const status = await withAdmin(replica, readSlaveStatus);
    if (!status) {
      o.notify(`${replica.name}: replicating from ${master.name} (${master.host}:${master.port})`);
      await withAdmin(replica, (c) => replicateFrom(c, { ...master, socketPath: undefined }, { repl: DEV_ACCOUNTS.repl }));
    }
  }
  await waitReplicating(a, 20_000);
  await waitReplicating(b, 20_000);
}
