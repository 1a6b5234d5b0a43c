import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ActiveChecker } from './active-checker.js';
import type { ChangeEvent, CheckResult } from './active-checker.js';
import { HealthGroup } from './health-group.js';
import { HealthError } from './health-error.js';
import type { Probe } from './probe.js';

function controllable(): { probe: Probe; ok: { value: boolean } } {
  const ok = { value: true };
  return {
    ok,
    probe: async () => {
      if (!ok.value) throw new Error('nope');
    },
  };
}

describe('HealthGroup', () => {
  it('adds, gets, lists and removes members', () => {
    const g = new HealthGroup();
    const a = g.add('lb1', { probe: async () => {}, fall: 1 });
    assert.ok(a instanceof ActiveChecker);
    assert.equal(a.name, 'lb1');
    assert.equal(a.fall, 1);
    const b = new ActiveChecker({ name: 'other', probe: async () => {} });
    assert.equal(g.add('lb2', b), b);
    assert.equal(g.get('lb1'), a);
    assert.equal(g.get('lb2'), b);
    assert.equal(g.get('lb3'), undefined);
    assert.equal(g.has('lb2'), true);
    assert.deepEqual(g.names(), ['lb1', 'lb2']);
    assert.equal(g.size, 2);
    assert.throws(
      () => g.add('lb1', { probe: async () => {} }),
      (err: unknown) => err instanceof HealthError && err.code === 'HEALTH_ERR_DUPLICATE_NAME',
    );
    assert.equal(g.remove('lb1'), true);
    assert.equal(g.remove('lb1'), false);
    assert.deepEqual(g.names(), ['lb2']);
  });

  it('reports states, up members and allDown', async () => {
    const g = new HealthGroup();
    const p1 = controllable();
    const p2 = controllable();
    g.add('lb1', { probe: p1.probe, fall: 1, rise: 1 });
    g.add('lb2', { probe: p2.probe, fall: 1, rise: 1 });
    assert.deepEqual(g.states(), { lb1: 'up', lb2: 'up' });
    assert.equal(g.allDown, false);
    p1.ok.value = false;
    await g.checkAll();
    assert.deepEqual(g.states(), { lb1: 'down', lb2: 'up' });
    assert.deepEqual(g.upNames(), ['lb2']);
    assert.equal(g.allDown, false);
    p2.ok.value = false;
    const results = await g.checkAll();
    assert.equal(results.lb2.ok, false);
    assert.equal(g.allDown, true);
    assert.deepEqual(g.upNames(), []);
    p1.ok.value = true;
    await g.checkAll();
    assert.equal(g.allDown, false);
    assert.deepEqual(g.upNames(), ['lb1']);
    assert.equal(new HealthGroup().allDown, true, 'an empty group has nobody up');
  });

  it('forwards change and check events under the member name', async () => {
    const g = new HealthGroup();
    const changes: ChangeEvent[] = [];
    const checks: CheckResult[] = [];
    g.on('change', (e) => changes.push(e));
    g.on('check', (e) => checks.push(e));
    const ext = new ActiveChecker({ name: 'internal-name', probe: async () => Promise.reject(new Error('x')), fall: 1 });
    g.add('web1', ext);
    await ext.checkNow();
    assert.deepEqual(
      checks.map((e) => [e.name, e.ok]),
      [['web1', false]],
    );
    assert.deepEqual(
      changes.map((e) => [e.name, e.from, e.to]),
      [['web1', 'up', 'down']],
    );
    g.remove('web1');
    await ext.checkNow();
    assert.equal(checks.length, 1, 'a removed member is no longer forwarded');
  });

  it('starts members added while running and stops removed ones', () => {
    const g = new HealthGroup();
    const first = g.add('a', { probe: async () => {}, interval: 60_000 });
    assert.equal(first.running, false);
    g.start();
    assert.equal(g.running, true);
    assert.equal(first.running, true);
    const second = g.add('b', { probe: async () => {}, interval: 60_000 });
    assert.equal(second.running, true);
    g.remove('b');
    assert.equal(second.running, false);
    g.stop();
    assert.equal(first.running, false);
    assert.deepEqual(
      g.snapshot().map((s) => [s.name, s.running]),
      [['a', false]],
    );
  });
});
