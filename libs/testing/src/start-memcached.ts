import { freePort, memcachedSpec, startDaemon, type ExitInfo, type RunningDaemon } from '@scaleout/infra';
import { restartableDaemon, withHandle } from './restartable-daemon.js';

export interface StartMemcachedOptions {
  name?: string;
  host?: string;
  port?: number;
  memoryMb?: number;
}

/** A real memcached started for a test. */
export interface TestMemcached {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  readonly pid: number;
  readonly daemon: RunningDaemon;
  stop(): Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
  /** SIGSTOP: the process keeps its sockets but answers nothing (a hung node). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Starts a fresh (empty) memcached on the same port after stop or kill. */
  start(): Promise<void>;
}

/** Starts memcached on a free port (TCP only). A missing binary fails with the Debian package name. */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<TestMemcached> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const name = options.name ?? `mc-${port}`;
  const spec = memcachedSpec({ name, host, port, memoryMb: options.memoryMb });
  const handle = await restartableDaemon(() => startDaemon(spec));
  return withHandle(
    {
      name,
      host,
      port,
      address: `${host}:${port}`,
      pause: () => handle.kill('SIGSTOP'),
      resume: () => handle.kill('SIGCONT'),
    },
    handle,
  );
}
