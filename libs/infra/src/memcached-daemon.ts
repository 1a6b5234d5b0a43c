import { ensureBinary, requireBinary } from './find-binary.js';
import { memcachedProbe } from './probes.js';
import type { DaemonSpec } from './start-daemon.js';

export interface MemcachedOptions {
  name: string;
  host: string;
  port: number;
  /** Cache memory in MB. Default 64. */
  memoryMb?: number;
  /** Maximum simultaneous connections. Default 1024. */
  maxConnections?: number;
  threads?: number;
  /** Install the Debian package when missing (root on Debian). Default false: fail with the command. */
  install?: boolean;
  onInstall?(message: string): void;
}

/** A memcached on host:port (TCP only, UDP off), running as root only with `-u root`. */
export function memcachedSpec(options: MemcachedOptions): DaemonSpec {
  const bin = options.install ? ensureBinary('memcached', { install: true, onInstall: options.onInstall }) : requireBinary('memcached');
  const args = [
    '-l', options.host,
    '-p', String(options.port),
    '-U', '0',
    '-m', String(options.memoryMb ?? 64),
    '-c', String(options.maxConnections ?? 1024),
    '-t', String(options.threads ?? 2),
  ];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  return {
    name: options.name,
    command: bin,
    args,
    ready: memcachedProbe(options.host, options.port),
    readyTimeoutMs: 10_000,
    stopTimeoutMs: 5_000,
  };
}
