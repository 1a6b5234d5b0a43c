// Command-line helpers shared by the benchmarks: `--name value` options, durations, required binaries.
import { spawnSync } from 'node:child_process';

/** The value after `--<name>`, else `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** `10s`, `500ms` or bare seconds → seconds. */
export function seconds(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw);
  if (!m) throw new Error(`bad duration ${raw}`);
  return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Throw, naming the apt packages, when one of `bins` is not installed. */
export function requireBinaries(bins: readonly string[], packages: string): void {
  for (const bin of bins) {
    const found = spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status === 0;
    if (!found) throw new Error(`${bin} not found: install it with apt-get (packages: ${packages})`);
  }
}
