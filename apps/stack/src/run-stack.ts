import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAutoscaleConfig } from '@scaleout/autoscale';
import { parseQueryCache, QueryCacheConfigError, type QueryCacheOptions } from '@scaleout/infra';
import { createLogger, Readiness, type Logger } from '@scaleout/service';
import type { Autoscaler } from './autoscaler/autoscaler.js';
import { stackAutoscaler } from './autoscaler/stack-autoscaler.js';
import { buildControlServer } from './control-server.js';
import { formatStatus } from './format-status.js';
import { writePrometheusConfig } from './prometheus-config.js';
import { AdminAuth } from './observatory/admin-auth.js';
import { LoadControl } from './observatory/load-control.js';
import { Observatory } from './observatory/observatory.js';
import {
  describeStack,
  controlHost,
  CONTROL_PORT,
  DNS_PORT,
  MAX_WEB_REPLICAS,
  LB_HTTP_PORT,
  PROMETHEUS_PORT,
  STACK_ZONE,
  type ServiceName,
  type StackOptions,
} from './stack-spec.js';
import { stackPaths, repoRoot } from './stack-paths.js';
import { loadOrCreateSecrets } from './stack-secrets.js';
import { readStackState, reapOrphans, removeStackState, writeStackState, processAlive } from './stack-state.js';
import { Supervisor } from './supervisor.js';
import { StackError } from './stack-error.js';

export interface RunStackOptions {
  net?: string;
  home?: string;
  counts?: { web?: number };
  prometheus?: boolean | 'auto';
  adminToken?: string;
  /** Human-readable progress lines (the terminal in the foreground, the stack log when detached). */
  print?(line: string): void;
  installMissing?: boolean;
  /**
   * Turns the web tier's autoscaler on: `@scaleout/autoscale`'s config (short form `{ min, max, metric,
   * target }` or the long form; validated before anything starts, AUTOSCALE_ERR_CONFIG otherwise).
   */
  autoscale?: unknown;
  /** Environment added to every instance of a Node service (see StackOptions.serviceEnv). */
  serviceEnv?: StackOptions['serviceEnv'];
  /** MariaDB's query cache on both databases (default: SCALEOUT_DB_QUERY_CACHE_TYPE/_SIZE, else off). */
  queryCache?: QueryCacheOptions;
}

export interface RunningStack {
  supervisor: Supervisor;
  controlUrl: string;
  /** Resolves once every instance is up (rejects when one cannot start). */
  ready: Promise<void>;
  /** Resolves after `down` (from the API or a signal) has stopped everything. */
  done: Promise<void>;
  down(): Promise<void>;
  /** The web tier's autoscaler when on. */
  autoscaler: Autoscaler | null;
  /** The once-a-second figures (scenarios sample them). */
  observatory: Observatory;
}

/**
 * Runs a stack in this process: control server first (so `status` works while starting), then every
 * service in level order. Used by `scaleout up` (foreground and detached) and by the stack tests.
 */
export async function runStack(options: RunStackOptions = {}): Promise<RunningStack> {
  const net = options.net ?? process.env.SCALEOUT_NET ?? '127.0';
  if (!/^127\.\d{1,3}$/.test(net)) throw new StackError('STACK_ERR_CONFIG', `SCALEOUT_NET="${net}" is invalid: expected 127.<0-255> (a loopback /16)`);
  const paths = stackPaths(options.home);
  mkdirSync(paths.logs, { recursive: true });
  const print = options.print ?? ((line: string) => console.log(line));
  const logger: Logger = createLogger({ service: 'stack', instance: 'stack', destination: createWriteStream(join(paths.logs, 'stack.log'), { flags: 'a' }) as never });

  const previous = readStackState(paths.stateFile);
  if (previous) {
    if (processAlive(previous.pid) && previous.pid !== process.pid) {
      throw new StackError('STACK_ERR_ALREADY_RUNNING', `a stack is already running (pid ${previous.pid}, ${previous.control}); stop it with: npm run scaleout -- down`, 409);
    }
    const reaped = reapOrphans(previous, paths.home);
    if (reaped.length) print(`cleaned up processes left by a previous stack: ${reaped.join(', ')}`);
    removeStackState(paths.stateFile);
  }

  // Refused before anything starts: one line, AUTOSCALE_ERR_CONFIG.
  const autoscale = options.autoscale === undefined || options.autoscale === false ? null : parseAutoscaleConfig(options.autoscale === true ? {} : options.autoscale);
  if (autoscale && autoscale.maxReplicas > MAX_WEB_REPLICAS) {
    throw new StackError('STACK_ERR_CONFIG', `autoscale max ${autoscale.maxReplicas} is above the ${MAX_WEB_REPLICAS} web replicas the address plan allows`);
  }
  const webCount = options.counts?.web ?? 2;
  const adminToken = options.adminToken ?? process.env.SCALEOUT_ADMIN_TOKEN ?? 'dev-admin-token';
  const stackOptions: StackOptions = {
    net,
    paths,
    repoRoot: repoRoot(),
    counts: { web: autoscale ? Math.min(autoscale.maxReplicas, Math.max(autoscale.minReplicas, webCount)) : webCount },
    // The LBs ramp a new replica's weight over the autoscaler's warm-up (its metrics count after it).
    ...(autoscale ? { lbSlowStartSeconds: autoscale.warmupSeconds } : {}),
    secrets: loadOrCreateSecrets(paths.secretsFile),
    adminToken,
    installMissing: options.installMissing ?? true,
    prometheus: options.prometheus ?? 'auto',
    ...(options.serviceEnv ? { serviceEnv: options.serviceEnv } : {}),
    queryCache: options.queryCache ?? queryCacheFromEnv(),
    notify: (m) => {
      print(m);
      logger.info(m);
    },
  };
  const services = describeStack(stackOptions);
  const supervisor = new Supervisor(services, { logsDir: paths.logs, logger });
  const readiness = new Readiness();
  let upDone = false;
  readiness.register('up', () => upDone);

  const host = controlHost(net);
  const controlUrl = `http://${host}:${CONTROL_PORT}`;
  const state = { pid: process.pid, net, control: controlUrl, startedAt: new Date().toISOString(), pids: {} as Record<string, number> };
  const saveState = () => {
    state.pids = Object.fromEntries(supervisor.status().filter((s) => s.pid !== null).map((s) => [s.name, s.pid!]));
    writeStackState(paths.stateFile, state);
  };

  const prometheusFile = join(paths.home, 'prometheus', 'prometheus.yml');
  const allInstances = () => services.filter((s) => s.enabled()).flatMap((s) => s.instances(s.service === 'web' ? currentCount('web') : undefined));
  const currentCount = (service: ServiceName) => supervisor.status().filter((s) => s.service === service).length || stackOptions.counts.web;
  const refreshPrometheus = async () => {
    writePrometheusConfig(prometheusFile, allInstances(), { target: `${host}:${CONTROL_PORT}` });
    const prom = supervisor.get('prometheus');
    if (prom?.state === 'running') {
      await fetch(`http://${host}:9090/-/reload`, { method: 'POST' }).catch(() => undefined);
    }
  };

  const specs = () => supervisor.specs();
  const observatory = new Observatory({
    status: () => supervisor.status(),
    targets: () => specs().filter((i) => i.metrics && i.service !== 'prometheus').map((i) => ({ name: i.name, url: `http://${i.metrics!.target}${i.metrics!.path}` })),
    prometheusUrl: () => (supervisor.get('prometheus')?.state === 'running' ? `http://${host}:${PROMETHEUS_PORT}` : null),
    logger: logger.child({ component: 'observatory' }),
  });
  const load = new LoadControl({
    dnsHost: host,
    dnsPort: DNS_PORT,
    zoneName: STACK_ZONE,
    lbHosts: () => specs().filter((i) => i.service === 'lb').map((i) => i.host),
    httpPort: LB_HTTP_PORT,
  });

  let autoscaler: Autoscaler | null = null;
  if (autoscale) {
    autoscaler = stackAutoscaler({ config: autoscale, supervisor, observatory, initialReplicas: stackOptions.counts.web, logger: logger.child({ component: 'autoscaler' }), onScaled: () => void refreshPrometheus().then(saveState) });
  }

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let downing: Promise<void> | undefined;
  const down = () => {
    downing ??= (async () => {
      print('stopping the stack…');
      readiness.setDraining();
      await load.close();
      await autoscaler?.stop();
      observatory.stop();
      await supervisor.down();
      await control.close();
      removeStackState(paths.stateFile);
      print('stack stopped');
      logger.info('stack stopped');
      resolveDone();
    })();
    return downing;
  };

  const control = buildControlServer({
    supervisor,
    logger,
    auth: new AdminAuth(adminToken),
    readiness,
    observatory: {
      observatory,
      load,
      lbAdminUrls: () => specs().filter((i) => i.service === 'lb' && i.adminUrl).map((i) => ({ name: i.name, url: i.adminUrl! })),
      proxyAdminUrls: () => specs().filter((i) => i.service === 'db-proxy' && i.adminUrl).map((i) => i.adminUrl!),
    },
    info: { net, home: paths.home, pid: process.pid, control: controlUrl, startedAt: state.startedAt },
    onDown: () => void down(),
    onScaled: () => void refreshPrometheus().then(saveState),
    autoscaler,
  });
  try {
    await control.listen({ host, port: CONTROL_PORT });
  } catch (err) {
    throw new StackError('STACK_ERR_CONTROL_PORT', `cannot listen on ${host}:${CONTROL_PORT} for the stack control server: ${(err as Error).message}`, 500);
  }
  saveState();
  observatory.start();

  supervisor.on('state', (s) => {
    saveState();
    if (s.state === 'running') print(`  ✔ ${s.name.padEnd(10)} ${s.service.padEnd(10)} ${s.address.padEnd(22)} pid ${s.pid}`);
    else if (s.state === 'crashed' || s.state === 'failed') print(`  ✖ ${s.name} ${s.state}: ${s.lastError?.split('\n')[0] ?? ''}`);
  });

  writePrometheusConfig(prometheusFile, allInstances(), { target: `${host}:${CONTROL_PORT}` });
  print(`starting the stack (control and dashboard: ${controlUrl}, data and logs: ${paths.home})`);
  const ready = (async () => {
    await supervisor.up({ web: stackOptions.counts.web });
    upDone = true;
    saveState();
    if (autoscaler && !downing) {
      autoscaler.start();
      const c = autoscale!;
      print(`autoscaler on: web ${c.minReplicas}..${c.maxReplicas} on ${c.metrics.map((m) => `${m.name}=${m.target}`).join(', ')}, sync every ${c.syncPeriodSeconds}s (${controlUrl}/api/autoscaler)`);
    }
    print('');
    print(formatStatus(supervisor.status()));
    print('');
    print(`stack is up. Dashboard: ${controlUrl}/   Status: npm run scaleout -- status   Stop: Ctrl-C or npm run scaleout -- down`);
    logger.info('stack up');
  })();
  ready.catch(() => undefined);
  return { supervisor, controlUrl, ready, done, down, autoscaler, observatory };
}

/**
 * The databases' query cache from `SCALEOUT_DB_QUERY_CACHE_TYPE` (OFF/ON/DEMAND) and
 * `SCALEOUT_DB_QUERY_CACHE_SIZE` (bytes, K/M/G); a value that does not parse is a STACK_ERR_CONFIG.
 */
export function queryCacheFromEnv(env: Record<string, string | undefined> = process.env): QueryCacheOptions | undefined {
  return queryCacheSetting(env.SCALEOUT_DB_QUERY_CACHE_TYPE, env.SCALEOUT_DB_QUERY_CACHE_SIZE, { type: 'SCALEOUT_DB_QUERY_CACHE_TYPE', size: 'SCALEOUT_DB_QUERY_CACHE_SIZE' });
}

/** {@link parseQueryCache} with its error as a StackError (`what` names the options or variables). */
export function queryCacheSetting(type: string | undefined, size: string | undefined, what: { type: string; size: string }): QueryCacheOptions | undefined {
  try {
    return parseQueryCache(type, size, what);
  } catch (err) {
    if (err instanceof QueryCacheConfigError) throw new StackError('STACK_ERR_CONFIG', err.message);
    throw err;
  }
}
