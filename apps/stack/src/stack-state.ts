import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** `.scaleout/stack.json`: how to reach a running stack, and which processes it started. */
export interface StackState {
  pid: number;
  net: string;
  control: string;
  startedAt: string;
  /** Instance name → pid, to clean up after a supervisor that died without stopping them. */
  pids: Record<string, number>;
}

export function readStackState(file: string): StackState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export function writeStackState(file: string, state: StackState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}

export function removeStackState(file: string): void {
  rmSync(file, { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills processes a dead supervisor left behind (recorded in the state file), checking each pid's
 * command line still names the stack's home folder or a known daemon so an unrelated process that
 * reused the pid is never touched. Returns the names it killed.
 */
export function reapOrphans(state: StackState, home: string): string[] {
  const killed: string[] = [];
  for (const [name, pid] of Object.entries(state.pids)) {
    if (!processAlive(pid)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const ours = cmdline.includes(home) || /memcached|mariadbd|prometheus|apps\/[a-z-]+\/src\/server\.ts/.test(cmdline);
    if (!ours) continue;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      killed.push(name);
    } catch {
      // gone
    }
  }
  return killed;
}
