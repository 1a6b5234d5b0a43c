import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { proposeForMetric } from './propose-for-metric.js';
import { sampleOf, uniform } from '../test/samples.js';

const tol = { up: 0.1, down: 0.1 };
const cpu = { name: 'cpu', target: 100 } as const; // "100m"
const WARMUP = 30;

describe('proposeForMetric: the HPA algorithm details', () => {
  it('current 200m, target 100m: the replicas double', () => {
    const p = proposeForMetric(cpu, uniform('cpu', 4, 200), tol, WARMUP);
    assert.equal(p.ratio, 2);
    assert.equal(p.outcome, 'scale');
    assert.equal(p.replicas, 8);
  });

  it('current 50m, target 100m: the replicas halve', () => {
    const p = proposeForMetric(cpu, uniform('cpu', 4, 50), tol, WARMUP);
    assert.equal(p.ratio, 0.5);
    assert.equal(p.replicas, 2);
  });

  it('desired = ceil(current × value / target)', () => {
    assert.equal(proposeForMetric(cpu, uniform('cpu', 3, 170), tol, WARMUP).replicas, 6); // 5.1 → 6
    assert.equal(proposeForMetric(cpu, uniform('cpu', 10, 130), tol, WARMUP).replicas, 13); // no float noise
    assert.equal(proposeForMetric(cpu, uniform('cpu', 7, 30), tol, WARMUP).replicas, 3); // 2.1 → 3
  });

  it('no change while |ratio − 1| ≤ tolerance (0.1), a change just outside it', () => {
    for (const v of [90, 95, 100, 105, 110]) {
      const p = proposeForMetric(cpu, uniform('cpu', 10, v), tol, WARMUP);
      assert.equal(p.outcome, 'within-tolerance', `value ${v}`);
      assert.equal(p.replicas, 10);
    }
    assert.equal(proposeForMetric(cpu, uniform('cpu', 10, 111), tol, WARMUP).replicas, 12);
    assert.equal(proposeForMetric(cpu, uniform('cpu', 10, 89), tol, WARMUP).replicas, 9);
    // A per-direction tolerance (HPA's configurable tolerance): 5% up, 10% down.
    assert.equal(proposeForMetric(cpu, uniform('cpu', 10, 107), { up: 0.05, down: 0.1 }, WARMUP).replicas, 11);
  });

  it('missing metrics on a scale-up count as 0: ratio 3 over 4 of 5 replicas → 12, not 15', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [300, 300, 300, 300, 'missing']), tol, WARMUP);
    assert.equal(p.ratio, 3);
    assert.equal(p.missing, 1);
    assert.equal(p.correctedRatio, 2.4);
    assert.equal(p.replicas, 12);
  });

  it('missing metrics on a scale-down count as 100% of target: 4 → 3, not 4 → 1', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [20, 20, 'missing', 'missing']), tol, WARMUP);
    assert.equal(p.ratio, 0.2);
    assert.equal(p.correctedRatio, 0.6);
    assert.equal(p.replicas, 3);
  });

  it('no change when the assumptions reverse the direction', () => {
    // 130m on 2 of 4 replicas says scale up; with the 2 missing at 0 the ratio is 0.65: no scale-down instead.
    const p = proposeForMetric(cpu, sampleOf('cpu', [130, 130, 'missing', 'missing']), tol, WARMUP);
    assert.equal(p.outcome, 'dampened');
    assert.equal(p.correctedRatio, 0.65);
    assert.equal(p.replicas, 4);
  });

  it('unready replicas count as 0 on a scale-up: the new ones will take the load', () => {
    const within = proposeForMetric(cpu, sampleOf('cpu', [200, 200, 'unready', 'unready']), tol, WARMUP);
    assert.equal(within.ratio, 2);
    assert.equal(within.correctedRatio, 1);
    assert.equal(within.outcome, 'dampened');
    assert.equal(within.replicas, 4);
    const up = proposeForMetric(cpu, sampleOf('cpu', [300, 300, 300, 'unready']), tol, WARMUP);
    assert.equal(up.correctedRatio, 2.25);
    assert.equal(up.replicas, 9);
  });

  it('a replica still warming up is set aside like an unready one, its value not counted', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [300, 300, 300, { warming: 900 }]), tol, WARMUP);
    assert.equal(p.unready, 1);
    assert.equal(p.value, 300);
    assert.equal(p.replicas, 9);
    // Past the warm-up it counts.
    const warm = proposeForMetric(cpu, sampleOf('cpu', [300, 300, 300, { warming: 900 }]), tol, 1);
    assert.equal(warm.value, 450);
    assert.equal(warm.replicas, 18);
  });

  it('on a scale-down unready replicas are left out (the ratio applies to the counted ones)', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [50, 50, 50, 50, 'unready', 'unready']), tol, WARMUP);
    assert.equal(p.counted, 4);
    assert.equal(p.replicas, 2);
  });

  it('missing and unready together on a scale-up: both count as 0 (replica_calculator: 2 of 4 at 300m → 6, not 12)', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [300, 300, 'missing', 'unready']), tol, WARMUP);
    assert.equal(p.ratio, 3);
    assert.equal(p.missing, 1);
    assert.equal(p.unready, 1);
    assert.equal(p.correctedRatio, 1.5);
    assert.equal(p.replicas, 6);
  });

  it('missing and unready together on a scale-down: missing at 100% of target, unready left out', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', [20, 20, 'missing', 'unready']), tol, WARMUP);
    assert.equal(p.counted, 2);
    assert.ok(Math.abs(p.correctedRatio! - 140 / 300) < 1e-12);
    assert.equal(p.replicas, 2); // ceil(140 / 100)
  });

  it('missing metrics with a ratio near the target: the corrected ratio within tolerance means no change', () => {
    const down = proposeForMetric(cpu, sampleOf('cpu', [85, 85, 'missing']), tol, WARMUP); // 0.85 → (85+85+100)/300 = 0.9
    assert.equal(down.outcome, 'dampened');
    assert.equal(down.replicas, 3);
    const up = proposeForMetric(cpu, sampleOf('cpu', [120, 120, 120, 120, 120, 120, 120, 120, 120, 'missing']), tol, WARMUP); // 1.2 → 1.08
    assert.equal(up.outcome, 'dampened');
    assert.equal(up.replicas, 10);
  });

  it('draining replicas are ignored', () => {
    const s = uniform('cpu', 4, 200);
    const p = proposeForMetric(cpu, { ...s, replicas: [...s.replicas, { id: 'old', readySinceMs: 0, draining: true, metrics: { cpu: 0 } }] }, tol, WARMUP);
    assert.equal(p.value, 200);
    assert.equal(p.replicas, 8);
  });

  it('no ready replica with a value: unavailable', () => {
    const p = proposeForMetric(cpu, sampleOf('cpu', ['missing', 'unready']), tol, WARMUP);
    assert.equal(p.outcome, 'unavailable');
    assert.equal(p.replicas, null);
  });

  it('object metric (p99 at the LB): ready replicas × value / target', () => {
    const spec = { name: 'p99', target: 250 } as const;
    assert.equal(proposeForMetric(spec, sampleOf('rps', [1, 1, 1, 1], { p99: 500 }), tol, WARMUP).replicas, 8);
    assert.equal(proposeForMetric(spec, sampleOf('rps', [1, 1, 1, 'unready'], { p99: 500 }), tol, WARMUP).replicas, 6);
    assert.equal(proposeForMetric(spec, sampleOf('rps', [1, 1, 1, 1], { p99: 260 }), tol, WARMUP).outcome, 'within-tolerance');
    assert.equal(proposeForMetric(spec, sampleOf('rps', [1, 1, 1, 1], { p99: 100 }), tol, WARMUP).replicas, 2);
    assert.equal(proposeForMetric(spec, sampleOf('rps', [1, 1]), tol, WARMUP).outcome, 'unavailable');
  });
});
