import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const projectDir = join(here, '..');
const fixture = join(here, 'fixtures', 'checker-exit.ts');

/** Run the fixture; resolve with its exit code and output. A guard kills it if it never exits. */
function runChild(mode: string): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Not a speed assertion: a generous guard so a leaked timer fails the test instead of hanging it.
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

describe('timers never keep the process alive', () => {
  const cases: Array<[mode: string, title: string, stage: string]> = [
    ['stop', 'after stop() with a check in flight', 'stopped'],
    ['running', 'while the checker is left running', 'left-running'],
    ['hanging', 'while a probe hangs inside a long timeout', 'left-running'],
  ];
  for (const [mode, title, stage] of cases) {
    it(`exits on its own ${title}, with no unhandled rejection`, async () => {
      const { code, stdout, stderr, killed } = await runChild(mode);
      assert.equal(killed, false, `the child did not exit by itself: ${stdout} ${stderr}`);
      assert.equal(code, 0, stderr);
      const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { stage: string; code: number };
      assert.equal(line.stage, stage);
      assert.equal(line.code, 0);
    });
  }
});
