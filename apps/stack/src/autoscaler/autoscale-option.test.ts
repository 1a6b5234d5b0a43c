import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoscaleConfigError } from '@scaleout/autoscale';
import { takeAutoscaleOption } from './autoscale-option.js';

const bin = fileURLToPath(new URL('../../bin/scaleout.mjs', import.meta.url));

function refused(fn: () => unknown, field: RegExp): AutoscaleConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AutoscaleConfigError, String(err));
    assert.equal(err.code, 'AUTOSCALE_ERR_CONFIG');
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, field);
    return err;
  }
  assert.fail('not refused');
}

describe('up --autoscale: the option', () => {
  it('alone: the AUTOSCALE_* variables, else the defaults; taken out of the arguments', () => {
    const args = ['--web', '3', '--autoscale', '--detach'];
    const o = takeAutoscaleOption(args, { AUTOSCALE_MIN: '2', AUTOSCALE_MAX: '6', AUTOSCALE_METRICS: 'rps=150,p99=250ms' });
    assert.deepEqual(args, ['--web', '3', '--detach']);
    assert.equal(o?.config.minReplicas, 2);
    assert.deepEqual(o?.config.metrics, [{ name: 'rps', target: 150 }, { name: 'p99', target: 250 }]);
    assert.deepEqual(o?.args, ['--autoscale']);
    assert.equal(takeAutoscaleOption(['--web', '2'], {}), undefined);
    assert.equal(takeAutoscaleOption(['--autoscale'], {})?.config.metrics[0]?.name, 'inflight');
  });

  it('with a JSON file: the stack spec `autoscale` object (or the file itself)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autoscale-opt-'));
    try {
      const spec = join(dir, 'stack.json');
      writeFileSync(spec, JSON.stringify({ autoscale: { min: 1, max: 4, metric: 'cpu', target: 0.7 } }));
      const args = ['--autoscale', spec];
      const o = takeAutoscaleOption(args, {});
      assert.deepEqual(args, []);
      assert.deepEqual(o?.config.metrics, [{ name: 'cpu', target: 0.7 }]);
      assert.deepEqual(o?.args, ['--autoscale', spec]);
      const bare = join(dir, 'a.json');
      writeFileSync(bare, JSON.stringify({ min: 3, max: 3 }));
      assert.equal(takeAutoscaleOption(['--autoscale', bare], {})?.config.maxReplicas, 3);
      writeFileSync(bare, '{ not json');
      assert.throws(() => takeAutoscaleOption(['--autoscale', bare], {}), (e: Error & { code?: string }) => e.code === 'STACK_ERR_USAGE' && !e.message.includes('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad config is refused with one line naming the field: min > max, unknown metric, target ≤ 0', () => {
    refused(() => takeAutoscaleOption(['--autoscale'], { AUTOSCALE_MIN: '5', AUTOSCALE_MAX: '2' }), /AUTOSCALE_MAX/);
    refused(() => takeAutoscaleOption(['--autoscale'], { AUTOSCALE_METRICS: 'memory=10' }), /memory/);
    refused(() => takeAutoscaleOption(['--autoscale'], { AUTOSCALE_METRICS: 'rps=0' }), /> 0/);
    refused(() => takeAutoscaleOption(['--autoscale'], { AUTOSCALE_MAXIMUM: '4' }), /AUTOSCALE_MAXIMUM/);
  });

  it('the real command: `scaleout up --autoscale` with min > max exits 1 with one line on stderr, nothing started', async () => {
    const home = mkdtempSync(join(tmpdir(), 'autoscale-up-'));
    try {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'up', '--autoscale'], {
          env: { ...process.env, SCALEOUT_HOME: home, SCALEOUT_NET: '127.140', AUTOSCALE_MIN: '5', AUTOSCALE_MAX: '2' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^scaleout: invalid autoscale config: AUTOSCALE_MAX \(maxReplicas\) = "2".*\[AUTOSCALE_ERR_CONFIG\]$/);
      assert.ok(!existsSync(join(home, 'stack.json')) && (!existsSync(join(home, 'logs')) || readdirSync(join(home, 'logs')).length === 0), 'nothing started');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
