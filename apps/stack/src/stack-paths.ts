import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding nx.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('scaleout: cannot find the repository root (nx.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Where a stack keeps its state: `SCALEOUT_HOME`, default `<repo>/.scaleout`. */
export interface StackPaths {
  home: string;
  data: string;
  logs: string;
  /** JSON file describing the running stack (supervisor pid, control address). */
  stateFile: string;
  /** Secrets generated once per stack (cookie and session keys). */
  secretsFile: string;
}

export function stackPaths(home = process.env.SCALEOUT_HOME ?? join(repoRoot(), '.scaleout')): StackPaths {
  const h = resolve(home);
  return {
    home: h,
    data: join(h, 'data'),
    logs: join(h, 'logs'),
    stateFile: join(h, 'stack.json'),
    secretsFile: join(h, 'secrets.json'),
  };
}
