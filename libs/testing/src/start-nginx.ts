import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpProbe } from '@scaleout/health';
import { freePort, requireBinary, startDaemon, type ExitInfo, type RunningDaemon } from '@scaleout/infra';
import { track } from './cleanup.js';
import { tempDir } from './temp-dir.js';

export interface StartNginxOptions {
  host?: string;
  port?: number;
  /** Content of the static file served at `/` and `/index.html`. Default: a short text. */
  body?: string;
  /** Worker processes. Default 1. */
  workers?: number;
  /** Run nginx under `taskset -c <cpus>` (e.g. "0") to pin it to cores. */
  cpus?: string;
}

/** A real nginx serving one small static file, started for a test or a benchmark. */
export interface TestNginx {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/` */
  readonly url: string;
  /** The temporary prefix (configuration, the served file, the error log). */
  readonly prefix: string;
  readonly pid: number;
  readonly daemon: RunningDaemon;
  stop(): Promise<ExitInfo>;
}

/**
 * Starts nginx (master in the foreground, no access log, unlimited keep-alive requests) in a temporary
 * prefix on a free port, serving `body` as a static file. A missing binary fails naming the Debian
 * package `nginx`. Killed when the test process exits.
 */
export async function startNginx(options: StartNginxOptions = {}): Promise<TestNginx> {
  const nginx = requireBinary('nginx');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const prefix = tempDir('scaleout-nginx-');
  const root = join(prefix, 'html');
  mkdirSync(root);
  // Workers run as an unprivileged user when the master is root: they must be able to read the file.
  chmodSync(prefix, 0o755);
  writeFileSync(join(root, 'index.html'), options.body ?? 'hello from nginx\n');
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes ${options.workers ?? 1};
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${prefix}/cb; proxy_temp_path ${prefix}/pt; fastcgi_temp_path ${prefix}/ft;
  uwsgi_temp_path ${prefix}/ut; scgi_temp_path ${prefix}/st;
  server {
    listen ${host}:${port};
    root ${root};
    location / { index index.html; default_type text/html; }
  }
}
`,
  );
  const [command, args] = options.cpus
    ? [requireBinary('taskset', 'util-linux'), ['-c', options.cpus, nginx, '-e', `${prefix}/error.log`, '-p', prefix, '-c', conf]]
    : [nginx, ['-e', `${prefix}/error.log`, '-p', prefix, '-c', conf]];
  const daemon = track(
    await startDaemon(
      { name: `nginx-${port}`, command, args, ready: httpProbe({ url: `http://${host}:${port}/` }), readyTimeoutMs: 10_000, stopSignal: 'SIGQUIT', stopTimeoutMs: 5_000 },
      { errorLogFile: join(prefix, 'error.log') },
    ),
  );
  return {
    host,
    port,
    url: `http://${host}:${port}/`,
    prefix,
    pid: daemon.pid,
    daemon,
    stop: () => daemon.stop(),
  };
}
