import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { MissingBinaryError } from './infra-error.js';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin'];

/** Debian package that provides each binary we run. */
export const DEBIAN_PACKAGES: Record<string, string> = {
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mariadb: 'mariadb-client',
  memcached: 'memcached',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  haproxy: 'haproxy',
  nginx: 'nginx',
  named: 'bind9',
  dig: 'bind9-dnsutils',
  dnsperf: 'dnsperf',
  wrk: 'wrk',
  sysbench: 'sysbench',
  chromium: 'chromium',
};

/** Absolute path of `name` on PATH or in the sbin folders, or undefined. */
export function whichBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Absolute path of `name`, or a {@link MissingBinaryError} naming the Debian package that provides it. */
export function requireBinary(name: string, debianPackage = DEBIAN_PACKAGES[name] ?? name): string {
  const found = whichBinary(name);
  if (!found) throw new MissingBinaryError(name, debianPackage);
  return found;
}

export interface EnsureBinaryOptions {
  /** Install with apt-get when missing and allowed (root on Debian/Ubuntu). Default false. */
  install?: boolean;
  /** Told before installing, so the user sees what happens. */
  onInstall?(message: string): void;
}

/**
 * Like {@link requireBinary}, but when `install` is set and we run as root on a system with apt-get,
 * installs the package (with a visible message) instead of failing. Otherwise the error carries the
 * exact install command.
 */
export function ensureBinary(name: string, options: EnsureBinaryOptions = {}): string {
  const found = whichBinary(name);
  if (found) return found;
  const pkg = DEBIAN_PACKAGES[name] ?? name;
  const apt = whichBinary('apt-get');
  if (options.install && apt && process.getuid?.() === 0) {
    options.onInstall?.(`${name} is missing: installing the Debian package ${pkg} (apt-get install -y ${pkg})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let res = spawnSync(apt, ['install', '-y', '-q', pkg], { stdio: 'inherit', env });
    if (res.status !== 0) {
      spawnSync(apt, ['update', '-q'], { stdio: 'inherit', env });
      res = spawnSync(apt, ['install', '-y', '-q', pkg], { stdio: 'inherit', env });
    }
    const after = whichBinary(name);
    if (after) return after;
  }
  throw new MissingBinaryError(name, pkg);
}
