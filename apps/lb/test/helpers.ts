// Shared test helpers: real backend processes, an in-process LB on free ports, HTTP clients.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig } from '@scaleout/service';
import { createRegistry } from '@scaleout/metrics';
import { createLoadBalancer, lbConfigSpec, type LoadBalancer } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const BACKEND_SCRIPT = join(here, 'fixtures/echo-backend.mjs');
export const SERVER_SCRIPT = join(here, '../src/server.ts');

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Backend {
  name: string;
  host: string;
  port: number;
  address: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** GET a control path of the backend directly. */
  ctl(path: string): Promise<{ requests: number; resets: number; paths: Record<string, number> }>;
}

/** Start the echo backend as its own process on `host` (a free port unless given). */
export async function startBackend(name: string, host = '127.0.0.1', port = 0): Promise<Backend> {
  const child = spawn(process.execPath, [BACKEND_SCRIPT, name, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => (live.delete(child), r())));
  const bound = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`backend ${name} exited ${code}`)));
  });
  return {
    name,
    host,
    port: bound,
    address: `${host}:${bound}`,
    child,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async ctl(path: string) {
      const r = await request({ port: bound, host, path });
      return JSON.parse(r.body) as { requests: number; resets: number; paths: Record<string, number> };
    },
  };
}

export interface TestLb {
  lb: LoadBalancer;
  port: number;
  httpsPort: number | null;
  adminPort: number;
  close(): Promise<void>;
}

/** An in-process LB on free ports with `env` (LB_* variables) over quiet test defaults. */
export async function startLb(env: Record<string, string>, adminToken = 'test-admin-token'): Promise<TestLb> {
  const full = {
    LB_INSTANCE: 'lb-test',
    LB_HTTP_PORT: '0',
    LB_HTTPS: 'false',
    LB_HTTPS_PORT: '0',
    LB_ADMIN_PORT: '0',
    LB_CHECK_PATH: 'none',
    LB_SLOW_START: '0',
    LB_LOG_LEVEL: 'silent',
    ...env,
  };
  const config = loadConfig('LB', lbConfigSpec, { env: full });
  const logger = createLogger({ service: 'lb', instance: config.instance, level: config.logLevel });
  const lb = createLoadBalancer(config, { logger, adminToken, env: full, registry: createRegistry({ defaultMetrics: false }) });
  const a = await lb.listen();
  return { lb, port: a.http, httpsPort: a.https, adminPort: a.admin, close: () => lb.close(1000) };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  port: number;
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: http.Agent | false;
}

/** One HTTP request with node:http; resolves with status, headers and the body as text. */
export function request(o: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: o.host ?? '127.0.0.1', port: o.port, path: o.path ?? '/', method: o.method ?? 'GET', headers: o.headers, agent: o.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The backend name in an echo-backend JSON body (or `x-backend`). */
export function servedBy(r: Reply): string {
  return (r.headers['x-backend'] as string | undefined) ?? (JSON.parse(r.body) as { server: string }).server;
}

export interface RawResult {
  text: string;
  /** The LB closed the connection (before our timeout). */
  closed: boolean;
}

/**
 * Write raw bytes (optionally in timed pieces) and collect what comes back until the LB closes the
 * connection or `waitMs` passes.
 */
export function raw(port: number, pieces: Array<string | Buffer | { delayMs: number }>, waitMs = 3000): Promise<RawResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.on('connect', async () => {
      for (const p of pieces) {
        if (typeof p === 'object' && !Buffer.isBuffer(p)) await sleep(p.delayMs);
        else if (!s.destroyed) s.write(p);
      }
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The tests' one polling helper: `until(what, fn, timeoutMs)`. */
export { until } from '@scaleout/testing';

/** Admin API call with the test token. */
export async function admin(port: number, method: string, path: string, body?: unknown, token = 'test-admin-token'): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return request({ port, method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/**
 * Run `count` GETs over `concurrency` keep-alive raw connections (a light client, so that the LB
 * under test gets the CPU); returns per-backend counts (from `X-Backend`) and failures.
 */
export async function load(port: number, count: number, concurrency: number, path: string | ((i: number) => string) = '/', headers = ''): Promise<{ counts: Record<string, number>; failures: string[] }> {
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  const fixed = typeof path === 'string' ? Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`) : null;
  const requestOf = (i: number) => fixed ?? Buffer.from(`GET ${(path as (i: number) => string)(i)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`);
  let started = 0;
  const worker = (): Promise<void> =>
    new Promise((resolve) => {
      let buf: Buffer | null = null;
      let s: net.Socket;
      let inflight = false;
      let finished = false;
      const next = () => {
        if (started >= count) {
          finished = true;
          s.destroy();
          resolve();
          return;
        }
        inflight = true;
        s.write(requestOf(started++));
      };
      const connect = () => {
        buf = null;
        s = net.connect({ host: '127.0.0.1', port, noDelay: true }, next);
        s.on('data', (d: Buffer) => {
          buf = buf === null ? d : Buffer.concat([buf, d]);
          for (;;) {
            const cur: Buffer = buf;
            const end: number = cur.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head: string = cur.toString('latin1', 0, end);
            const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
            if (cur.length < end + 4 + len) return;
            buf = cur.length === end + 4 + len ? null : cur.subarray(end + 4 + len);
            inflight = false;
            const status = Number(head.slice(9, 12));
            if (status !== 200) failures.push(`status ${status}: ${head.split('\r\n').find((l: string) => /^x-scaleout-error/i.test(l)) ?? ''}`);
            else {
              const b = /\r\nx-backend: *([^\r]+)/i.exec(head)?.[1] ?? '?';
              counts[b] = (counts[b] ?? 0) + 1;
            }
            if (/\r\nconnection: *close/i.test(head)) {
              s.removeAllListeners('close');
              s.destroy();
              connect();
              return;
            }
            if (buf === null) {
              next();
              return;
            }
          }
        });
        s.on('error', (e) => failures.push(`socket: ${e.message}`));
        s.on('close', () => {
          if (finished) return;
          // a request in flight on a dropped connection is a failure seen by the client
          if (inflight) failures.push('connection closed by the LB during a request');
          inflight = false;
          if (started < count) connect();
          else resolve();
        });
      };
      connect();
    });
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { counts, failures };
}
