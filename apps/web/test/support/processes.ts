// Real processes for service and browser tests: the session service and web replicas, run from their
// TypeScript sources exactly as the stack runs them (`node --import tsx apps/<name>/src/server.ts`).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpProbe } from '@scaleout/health';
import { freePort, startDaemon, type RunningDaemon } from '@scaleout/infra';
import { track } from '@scaleout/testing';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SESSION_SERVER = join(REPO_ROOT, 'apps/session/src/server.ts');
export const WEB_SERVER = join(REPO_ROOT, 'apps/web/src/server.ts');
export const LB_SERVER = join(REPO_ROOT, 'apps/lb/src/server.ts');

const logDir = mkdtempSync(join(tmpdir(), 'scaleout-web-test-'));
// The logs go when the test process ends (set KEEP_TEST_LOGS=1 to keep them for a post-mortem).
process.on('exit', () => {
  if (!process.env.KEEP_TEST_LOGS) rmSync(logDir, { recursive: true, force: true });
});

export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  daemon: RunningDaemon;
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

async function startNodeService(name: string, entry: string, host: string, port: number, env: Record<string, string>, readyUrl?: string): Promise<ServiceProcess> {
  if (!existsSync(entry)) throw new Error(`${entry} does not exist`);
  const url = `http://${host}:${port}`;
  const logFile = join(logDir, `${name}.log`);
  const daemon = track(
    await startDaemon(
      {
        name,
        command: process.execPath,
        args: ['--import', 'tsx', entry],
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_ENV: 'development', ...env },
        ready: httpProbe({ url: readyUrl ?? `${url}/readyz` }),
        readyTimeoutMs: 90_000,
        stopTimeoutMs: 15_000,
      },
      { logFile },
    ),
  );
  return {
    name,
    url,
    port,
    logFile,
    daemon,
    async stop() {
      await daemon.stop();
    },
    kill: (signal) => daemon.kill(signal),
  };
}

/** A session-service instance on a free port over the given memcached nodes. */
export async function startSessionService(
  name: string,
  memcached: string[],
  env: Record<string, string> = {},
  options: { port?: number } = {},
): Promise<ServiceProcess> {
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  return startNodeService(name, SESSION_SERVER, host, port, {
    SESSION_INSTANCE: name,
    SESSION_HOST: host,
    SESSION_PORT: String(port),
    SESSION_MEMCACHED: memcached.join(','),
    SESSION_LOG_LEVEL: 'warn',
    ...env,
  });
}

/** A web replica process on a free port; `env` holds WEB_* settings. */
export async function startWebReplica(name: string, env: Record<string, string>, options: { port?: number } = {}): Promise<ServiceProcess> {
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  return startNodeService(name, WEB_SERVER, host, port, {
    WEB_INSTANCE: name,
    WEB_HOST: host,
    WEB_PORT: String(port),
    WEB_LOG_LEVEL: 'warn',
    ...env,
  });
}

/** A load balancer process (apps/lb) on free ports: `url` is its HTTP listener, `adminUrl` its admin API. */
export async function startLoadBalancer(name: string, env: Record<string, string>, options: { adminPort?: number } = {}): Promise<ServiceProcess & { adminUrl: string }> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const adminPort = options.adminPort ?? (await freePort(host));
  const adminUrl = `http://${host}:${adminPort}`;
  const p = await startNodeService(
    name,
    LB_SERVER,
    host,
    port,
    { LB_INSTANCE: name, LB_HOST: host, LB_HTTP_PORT: String(port), LB_HTTPS: 'false', LB_ADMIN_HOST: host, LB_ADMIN_PORT: String(adminPort), LB_LOG_LEVEL: 'warn', LB_SLOW_START: '0', ...env },
    `${adminUrl}/readyz`,
  );
  return Object.assign(p, { adminUrl });
}
