import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/service-child.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(mode: string, drive: (child: ReturnType<typeof spawn>) => void, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let driven = false;
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      if (!driven && stdout.includes('"listening"')) {
        driven = true;
        drive(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function lines(out: string): Array<Record<string, unknown>> {
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('SIGTERM drains, closes resources and exits 0 with JSON logs', async () => {
  const run = await runChild('normal', (c) => c.kill('SIGTERM'));
  assert.equal(run.code, 0, run.stderr);
  const msgs = lines(run.stdout).map((l) => l.msg);
  assert.deepEqual(msgs.slice(-3), ['stopping', 'closed resources', 'stopped']);
  for (const l of lines(run.stdout)) {
    assert.equal(l.service, 'fixture');
    assert.equal(l.instance, 'f1');
    assert.equal(typeof l.time, 'string');
  }
});

test('a second signal exits at once', async () => {
  const run = await runChild('hang', (c) => {
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGINT'), 300);
  });
  assert.equal(run.code, 130);
  assert.ok(lines(run.stdout).some((l) => l.msg === 'second signal: exiting at once'));
});

test('a close that overruns the grace time exits 1', async () => {
  const run = await runChild('slow-close', (c) => c.kill('SIGTERM'));
  assert.equal(run.code, 1);
  assert.ok(lines(run.stdout).some((l) => String(l.msg).includes('grace time')));
});

test('an uncaught exception exits non-zero with a fatal log line', async () => {
  const run = await runChild('crash', () => {});
  assert.equal(run.code, 1);
  const fatal = lines(run.stdout).find((l) => l.level === 'fatal');
  assert.ok(fatal, run.stdout);
  assert.match(JSON.stringify(fatal), /boom from a timer/);
});

test('an unhandled rejection exits non-zero with a fatal log line', async () => {
  const run = await runChild('reject', () => {});
  assert.equal(run.code, 1);
  assert.match(run.stdout, /rejected promise/);
});

test('a bad config value stops the process with one line naming the variable', async () => {
  const run = await runChild('config', () => {}, { FIX_PORT: 'eighty' });
  assert.equal(run.code, 78);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.equal(run.stderr.trim(), 'config error: FIX_PORT="eighty" is invalid: expected an integer between 1 and 65535');
});
