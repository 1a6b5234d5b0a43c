import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStack, type RunningStack, type RunStackOptions } from '@scaleout/stack';

const bin = fileURLToPath(new URL('../../apps/stack/bin/scaleout.mjs', import.meta.url));

/** A loopback /16 of its own for each test file, so stacks never collide with a user's stack (127.0). */
export function testNet(seed: number): string {
  return `127.${100 + (seed % 100)}`;
}

export interface TestStack extends RunningStack {
  net: string;
  home: string;
  /** Runs the real `scaleout` CLI against this stack. */
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts a whole stack in this process with the same code as `scaleout up`, in a temp home. */
export async function startTestStack(seed: number, options: RunStackOptions = {}): Promise<TestStack> {
  const net = testNet(seed);
  const home = mkdtempSync(join(tmpdir(), 'scaleout-stack-'));
  const lines: string[] = [];
  const stack = await runStack({ net, home, print: (l) => lines.push(l), installMissing: false, ...options });
  try {
    await stack.ready;
  } catch (err) {
    await stack.down();
    throw new Error(`stack did not start: ${(err as Error).message}\n${lines.join('\n')}`);
  }
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { ...process.env, SCALEOUT_NET: net, SCALEOUT_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  return Object.assign(stack, { net, home, cli });
}

export { eventually } from '@scaleout/testing';
