import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@scaleout/hashing';
import { parseAutoscaleConfig, simulate, type SimulationResult } from './index.js';

/** The ramp: 50 → 2000 req/s over 60 s, back to 50 over the next 60 s, then 50. */
const ramp = (t: number): number => (t < 60 ? 50 + (1950 * t) / 60 : t < 120 ? 2000 - (1950 * (t - 60)) / 60 : 50);

/** Times at which the scaling direction reversed. */
function reversals(r: SimulationResult): number[] {
  const out: number[] = [];
  for (let i = 1; i < r.changes.length; i++) {
    const a = Math.sign(r.changes[i - 1]!.to - r.changes[i - 1]!.from);
    const b = Math.sign(r.changes[i]!.to - r.changes[i]!.from);
    if (a !== b) out.push(r.changes[i]!.t);
  }
  return out;
}

function assertWithin(r: SimulationResult, min: number, max: number, label: string): void {
  for (const p of r.timeline) {
    assert.ok(p.replicas >= min && p.replicas <= max, `${label}: ${p.replicas} replicas at t=${p.t}`);
    assert.ok(p.desired >= min && p.desired <= max, `${label}: desired ${p.desired} at t=${p.t}`);
  }
  assert.ok(r.lowestReplicas >= min && r.peakReplicas <= max, label);
}

describe('simulate', () => {
  const base = { min: 2, max: 20, metric: 'rps', target: 150, warmupSeconds: 10 } as const;
  const opts = { load: ramp, durationSeconds: 900, capacityPerReplica: 200, startupSeconds: 2 };

  it('the 50 → 2000 → 50 req/s ramp: up to what 2000 req/s needs, one reversal, back to min, within bounds', () => {
    const r = simulate({ ...opts, config: parseAutoscaleConfig(base) });
    assertWithin(r, 2, 20, 'plain');
    assert.equal(r.peakReplicas, 14); // ceil(2000 / 150)
    assert.equal(r.directionChanges, 1);
    assert.equal(r.timeline.at(-1)!.replicas, 2);
    // No scale-down before the down window (300 s) has passed since the last scale-up.
    const lastUp = Math.max(...r.changes.filter((c) => c.to > c.from).map((c) => c.t));
    const firstDown = Math.min(...r.changes.filter((c) => c.to < c.from).map((c) => c.t));
    assert.ok(firstDown - lastUp >= 300, `${lastUp} → ${firstDown}`);
    assert.equal(r.timeline.length, 61); // one point per 15 s sync over 900 s
  });

  it('the predictive step meets the ramp earlier: less time overloaded than plain target tracking', () => {
    const plain = simulate({ ...opts, config: parseAutoscaleConfig(base) });
    const pred = simulate({ ...opts, config: parseAutoscaleConfig({ ...base, predictive: { windowSeconds: 45, leadSeconds: 30 } }) });
    assertWithin(pred, 2, 20, 'predictive');
    assert.equal(pred.directionChanges, 1);
    assert.ok(pred.overloadSeconds < plain.overloadSeconds, `${pred.overloadSeconds} < ${plain.overloadSeconds}`);
    assert.ok(pred.timeline.some((p) => p.predicted !== null && p.plain !== null && p.predicted > p.plain));
    assert.ok(plain.timeline.every((p) => p.predicted === null));
  });

  it('is deterministic', () => {
    const config = parseAutoscaleConfig(base);
    const noise = { amplitude: 0.2, seed: 7 };
    assert.deepEqual(simulate({ ...opts, config, noise }), simulate({ ...opts, config, noise }));
  });
});

describe('properties on random input', () => {
  it('noisy steady load (±8%, under the 10% tolerance): at most one reversal per 300 s window, always within bounds', () => {
    const rand = seededRandom(20261202);
    let changes = 0;
    for (let run = 0; run < 25; run++) {
      const min = 1 + Math.floor(rand() * 3);
      const max = min + 2 + Math.floor(rand() * 20);
      const level = 50 + rand() * 4000;
      const config = parseAutoscaleConfig({ min, max, metric: rand() < 0.5 ? 'rps' : 'cpu', target: rand() < 0.5 ? 150 : 0.7, warmupSeconds: 10 });
      const r = simulate({
        config,
        load: () => level,
        durationSeconds: 1800,
        capacityPerReplica: 200,
        initialReplicas: min + Math.floor(rand() * (max - min + 1)),
        noise: { amplitude: 0.08, seed: run },
      });
      const label = `run ${run}: min ${min} max ${max} level ${level.toFixed(0)}`;
      assertWithin(r, min, max, label);
      const rev = reversals(r);
      for (let i = 1; i < rev.length; i++) assert.ok(rev[i]! - rev[i - 1]! >= 300, `${label}: reversals at ${rev.join(',')}`);
      changes += r.changes.length;
    }
    assert.ok(changes >= 25, `the runs scale at all (${changes} changes)`);
  });

  it('random-walk load, random bounds and windows, plain and predictive: within bounds, no scale-down within the down window of a scale-up', () => {
    const rand = seededRandom(42);
    let downs = 0;
    let reversed = 0;
    for (let run = 0; run < 25; run++) {
      const min = 1 + Math.floor(rand() * 4);
      const max = min + Math.floor(rand() * 25);
      const downWindow = [0, 30, 120, 300][Math.floor(rand() * 4)]!;
      const predictive = rand() < 0.5;
      const config = parseAutoscaleConfig({
        min,
        max,
        metric: ['rps', 'cpu', 'inflight', 'p99'][Math.floor(rand() * 4)],
        target: 0.7 + rand() * 100,
        warmupSeconds: Math.floor(rand() * 30),
        syncPeriodSeconds: [5, 15][Math.floor(rand() * 2)],
        behavior: { scaleDown: { stabilizationWindowSeconds: downWindow } },
        predictive,
      });
      const walk: number[] = [];
      let level = 100 + rand() * 2000;
      for (let t = 0; t <= 1200; t++) {
        level = Math.min(6000, Math.max(10, level * (1 + 0.06 * (2 * rand() - 1))));
        walk.push(level);
      }
      const r = simulate({ config, load: (t) => walk[t]!, durationSeconds: 1200, capacityPerReplica: 200, startupSeconds: rand() * 10 });
      const label = `run ${run}: min ${min} max ${max} down window ${downWindow} predictive ${predictive}`;
      assertWithin(r, min, max, label);
      let lastUp = -Infinity;
      for (const c of r.changes) {
        if (c.to > c.from) lastUp = c.t;
        else assert.ok(c.t - lastUp >= downWindow, `${label}: down at ${c.t}, up at ${lastUp}`);
        if (c.to < c.from) downs++;
      }
      reversed += r.directionChanges;
    }
    // The walks do go up and down, so the invariant was exercised.
    assert.ok(downs >= 25 && reversed >= 25, `${downs} scale-downs, ${reversed} reversals`);
  });
});
