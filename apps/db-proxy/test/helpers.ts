import { spawn } from 'node:child_process';
import mysql, { type Connection, type ConnectionOptions } from 'mysql2/promise';
import { createLogger } from '@scaleout/service';
import { startMariadbPair, type TestMariadbPair } from '@scaleout/testing';
import { loadDbProxyConfig, startDbProxy, type RunningDbProxy } from '../src/index.js';

export const ADMIN = { user: 'scaleout', password: 'scaleout' };
export const TOKEN = 'test-admin-token';

export interface ProxyStack {
  pair: TestMariadbPair;
  proxy: RunningDbProxy;
  port: number;
  adminUrl: string;
  /** A mysql2 connection through the proxy (app/app, database shop). */
  connect(options?: ConnectionOptions): Promise<Connection>;
  /** Starts another proxy on the same pair. */
  startProxy(env?: Record<string, string>): Promise<RunningDbProxy>;
  metric(name: string, labels?: Record<string, string>, proxy?: RunningDbProxy): Promise<number>;
  close(): Promise<void>;
}

export function proxyEnv(pair: TestMariadbPair, env: Record<string, string> = {}): Record<string, string> {
  return {
    DBPROXY_HOST: '127.0.0.1',
    DBPROXY_PORT: '0',
    DBPROXY_ADMIN_PORT: '0',
    DBPROXY_BACKENDS: `db1=${pair.a.host}:${pair.a.port},db2=${pair.b.host}:${pair.b.port}`,
    DBPROXY_MONITOR_INTERVAL: '100ms',
    DBPROXY_INSTANCE: 'proxy-test',
    DBPROXY_LOG_LEVEL: 'silent',
    DBPROXY_GRACE: '1s',
    SCALEOUT_ADMIN_TOKEN: TOKEN,
    ...env,
  };
}

export async function startProxy(pair: TestMariadbPair, env: Record<string, string> = {}): Promise<RunningDbProxy> {
  const config = loadDbProxyConfig(proxyEnv(pair, env));
  const logger = createLogger({ service: 'db-proxy', instance: config.instance, level: config.logLevel });
  return startDbProxy(config, logger);
}

export async function startProxyStack(options: { env?: Record<string, string>; semiSyncTimeoutMs?: number } = {}): Promise<ProxyStack> {
  const pair = await startMariadbPair({ admin: ADMIN, semiSync: { timeoutMs: options.semiSyncTimeoutMs ?? 1000 } });
  const extra: RunningDbProxy[] = [];
  let proxy: RunningDbProxy;
  try {
    proxy = await startProxy(pair, options.env);
  } catch (err) {
    await pair.stop();
    throw err;
  }
  const port = proxy.port;
  const adminUrl = `http://${proxy.admin.address}`;
  return {
    pair,
    proxy,
    port,
    adminUrl,
    connect: (o = {}) => mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: 'app', database: 'shop', ...o }),
    async startProxy(env = {}) {
      const p = await startProxy(pair, { DBPROXY_INSTANCE: `proxy-test-${extra.length + 2}`, ...env });
      extra.push(p);
      return p;
    },
    async metric(name, labels = {}, which = proxy) {
      const text = await (await fetch(`http://${which.admin.address}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+|NaN)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const ls = m[2] ?? '';
        if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) total += Number(m[3]);
      }
      return total;
    },
    async close() {
      for (const p of extra) await p.close();
      await proxy.close();
      await pair.stop();
    },
  };
}

/** The tests' one polling helper (every 25 ms until fn returns something other than undefined or false). */
export { until } from '@scaleout/testing';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (mysql CLI, sysbench) and collects its output. */
export function run(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export async function adminFetch(stack: { adminUrl: string }, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.adminUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
}

/** A JSON body with the type the test expects. */
export async function json<T>(r: Response): Promise<T> {
  return (await r.json()) as T;
}
