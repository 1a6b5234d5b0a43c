import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialAutoscaleState, parseAutoscaleConfig, recommend, AutoscaleSampleError, type AutoscaleState } from './index.js';
import { sampleOf, uniform } from '../test/samples.js';

const S = 1000;

/** Runs recommend over (time s, sample) steps, applying each decision; returns the replica counts after each. */
function run(
  config: ReturnType<typeof parseAutoscaleConfig>,
  start: number,
  steps: Array<{ t: number; value: number }>,
  metric: 'cpu' | 'rps' | 'inflight' = 'cpu',
): { counts: number[]; summaries: string[]; state: AutoscaleState } {
  let current = start;
  let state = initialAutoscaleState();
  const counts: number[] = [];
  const summaries: string[] = [];
  for (const step of steps) {
    const s = uniform(metric, current, step.value, step.t * S);
    const d = recommend(config, s, state);
    state = d.state;
    current = d.desired;
    counts.push(current);
    summaries.push(d.why.summary);
  }
  return { counts, summaries, state };
}

describe('recommend: behaviour (stabilisation, policies, bounds)', () => {
  it('defaults are the HPA defaults', () => {
    const c = parseAutoscaleConfig({});
    assert.deepEqual(c.behavior.scaleUp.policies, [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
    assert.equal(c.behavior.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(c.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.deepEqual(c.behavior.scaleDown.policies, [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
    assert.equal(c.behavior.scaleUp.tolerance, 0.1);
    assert.equal(c.syncPeriodSeconds, 15);
  });

  it('scale up at most 4 pods or 100% per 15 s (the larger): 1 → 5 → 10 → 20', () => {
    const c = parseAutoscaleConfig({ min: 1, max: 100, metric: 'cpu', target: 100 });
    // Load wants 20 replicas throughout (total 2000m).
    let current = 1;
    let state = initialAutoscaleState();
    const seen: Array<[number, number]> = [];
    for (let t = 0; t <= 45; t += 5) {
      const d = recommend(c, uniform('cpu', current, 2000 / current, t * S), state);
      state = d.state;
      current = d.desired;
      seen.push([t, current]);
    }
    assert.deepEqual(seen, [
      [0, 5], // max(1 × 2, 1 + 4)
      [5, 5], // within the same 15 s period: nothing more
      [10, 5],
      [15, 10], // max(5 × 2, 5 + 4)
      [20, 10],
      [25, 10],
      [30, 20], // max(10 × 2, 10 + 4)
      [35, 20],
      [40, 20],
      [45, 20],
    ]);
    const first = recommend(c, uniform('cpu', 1, 2000, 0), initialAutoscaleState());
    assert.equal(first.why.limited?.policy?.type, 'Pods');
    assert.equal(first.why.limited?.to, 5);
    assert.match(first.why.summary, /limited by Pods 4\/15s from 20 to 5/);
  });

  it('docs example: scale down by max(4 pods, 10%) per 60 s, 80 → 72 → 64 …, 4 at a time below 40', () => {
    const c = parseAutoscaleConfig({
      min: 1,
      max: 100,
      metric: 'cpu',
      target: 100,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 10, periodSeconds: 60 },
          ],
        },
      },
    });
    // The load wants 10 replicas (total 1000m); one sync every 61 s so each period holds one step.
    let current = 80;
    let state = initialAutoscaleState();
    const counts: number[] = [];
    for (let i = 0; i < 30 && current > 10; i++) {
      const d = recommend(c, uniform('cpu', current, 1000 / current, i * 61 * S), state);
      state = d.state;
      current = d.desired;
      counts.push(current);
    }
    assert.deepEqual(counts.slice(0, 2), [72, 64]); // 8, then 7.2 rounded up to 8
    const steps = counts.map((n, i) => (i === 0 ? 80 : counts[i - 1]!) - n);
    counts.forEach((n, i) => {
      const before = i === 0 ? 80 : counts[i - 1]!;
      if (before <= 40 && n > 10) assert.equal(steps[i], 4, `from ${before}`);
    });
    assert.equal(counts.at(-1), 10);
    // Within one period the removed replicas count: a sync 15 s after 80 → 72 changes nothing.
    const a = recommend(c, uniform('cpu', 80, 1000 / 80, 0), initialAutoscaleState());
    const b = recommend(c, uniform('cpu', 72, 1000 / 72, 15 * S), a.state);
    assert.equal(b.desired, 72);
    assert.equal(b.why.limited?.periodStartReplicas, 80);
  });

  it('selectPolicy Min picks the smallest change: 10% or 5 pods per minute from 100 → 95', () => {
    const c = parseAutoscaleConfig({
      min: 1,
      max: 100,
      metric: 'cpu',
      target: 100,
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Min', policies: '10%/60s,5pods/1m' } },
    });
    const d = recommend(c, uniform('cpu', 100, 10, 0));
    assert.equal(d.desired, 95);
    assert.deepEqual(d.why.limited?.policy, { type: 'Pods', value: 5, periodSeconds: 60 });
  });

  it('selectPolicy Disabled turns a direction off', () => {
    const c = parseAutoscaleConfig({ metric: 'cpu', target: 100, behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } } });
    const d = recommend(c, uniform('cpu', 8, 10, 0));
    assert.equal(d.desired, 8);
    assert.equal(d.why.limited?.policy, null);
    const up = parseAutoscaleConfig({ metric: 'cpu', target: 100, behavior: { scaleUp: { selectPolicy: 'Disabled' } } });
    assert.equal(recommend(up, uniform('cpu', 2, 500, 0)).desired, 2);
  });

  it('the down window keeps the highest recommendation of the last 300 s: no flapping on a noisy metric', () => {
    const c = parseAutoscaleConfig({ min: 1, max: 50, metric: 'cpu', target: 100 });
    // Total load swings between 1000m and 600m every sync: the recommendation alternates 10 / 6.
    const steps = Array.from({ length: 40 }, (_, i) => ({ t: i * 15, total: i % 2 === 0 ? 1000 : 600 }));
    let current = 10;
    let state = initialAutoscaleState();
    const counts: number[] = [];
    for (const s of steps) {
      const d = recommend(c, uniform('cpu', current, s.total / current, s.t * S), state);
      state = d.state;
      current = d.desired;
      counts.push(current);
      if (s.total === 600) assert.match(d.why.summary, /stabilised from 6 to 10 \(down window 300s\)/);
    }
    assert.ok(counts.every((n) => n === 10), counts.join(','));

    // Once the load stays low, the scale-down happens when the last high recommendation leaves the window.
    const low = run(c, 10, [
      { t: 0, value: 100 },
      ...Array.from({ length: 25 }, (_, i) => ({ t: 15 * (i + 1), value: 60 })),
    ]);
    const firstDown = low.counts.findIndex((n) => n < 10);
    assert.equal(firstDown, 20); // t = 300 s: the recommendation recorded at t = 0 is out of (0, 300]
    assert.equal(low.counts[firstDown], 6);
  });

  it('an up window (min of the window) ignores a one-sync spike', () => {
    const c = parseAutoscaleConfig({ metric: 'cpu', target: 100, max: 50, behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } });
    const r = run(c, 4, [
      { t: 0, value: 100 },
      { t: 15, value: 300 }, // spike
      { t: 30, value: 100 },
      { t: 45, value: 300 }, // sustained from here
      { t: 60, value: 300 },
      { t: 75, value: 300 },
      { t: 90, value: 300 },
      { t: 105, value: 300 },
    ]);
    assert.deepEqual(r.counts.slice(0, 6), [4, 4, 4, 4, 4, 4]);
    assert.match(r.summaries[1]!, /stabilised from 12 to 4 \(up window 60s\)/);
    // t = 90: every recommendation in (30, 90] says 12; the 100% per 15 s policy allows 8.
    assert.equal(r.counts[6], 8);
  });

  it('clamps to max and min and says so', () => {
    const c = parseAutoscaleConfig({ min: 2, max: 6, metric: 'cpu', target: 100, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const up = recommend(c, uniform('cpu', 4, 500, 0));
    assert.equal(up.desired, 6);
    assert.deepEqual(up.why.clamped, { bound: 'max', from: 20, to: 6 }); // the policy would allow 8: max decides
    assert.equal(up.why.limited, undefined);
    const down = recommend(c, uniform('cpu', 4, 10, 0));
    assert.equal(down.desired, 2);
    assert.equal(down.why.clamped?.bound, 'min');
    assert.match(down.why.summary, /clamped by min from 1 to 2/);
    // Outside the bounds (config changed, manual scale): straight to the bound.
    assert.equal(recommend(c, uniform('cpu', 9, 100, 0)).why.rule, 'above-max');
    assert.equal(recommend(c, uniform('cpu', 9, 100, 0)).desired, 6);
    assert.equal(recommend(c, uniform('cpu', 1, 100, 0)).desired, 2);
  });

  it('several metrics: the largest recommendation wins', () => {
    const c = parseAutoscaleConfig({ min: 1, max: 50, metrics: 'inflight=10,rps=100,p99=250' });
    const s = {
      nowMs: 0,
      currentReplicas: 4,
      replicas: [1, 2, 3, 4].map((i) => ({ id: `w${i}`, readySinceMs: -60 * S, metrics: { inflight: 20, rps: 150 } })),
      objects: { p99: 300 },
    };
    const d = recommend(c, s);
    assert.deepEqual(d.why.metrics.map((m) => m.replicas), [8, 6, 5]);
    assert.equal(d.desired, 8);
    assert.equal(d.why.chosenMetric, 'inflight');
  });

  it('a metric that cannot be read blocks a scale-down but not a scale-up', () => {
    const c = parseAutoscaleConfig({ min: 1, max: 50, metrics: 'cpu=100,p99=250', behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const down = recommend(c, uniform('cpu', 4, 20, 0)); // no p99 in the sample
    assert.equal(down.why.rule, 'scale-down-skipped');
    assert.equal(down.desired, 4);
    const up = recommend(c, uniform('cpu', 4, 200, 0));
    assert.equal(up.desired, 8);
    const none = recommend(c, sampleOf('cpu', ['missing', 'missing']));
    assert.equal(none.why.rule, 'metrics-unavailable');
    assert.equal(none.desired, 2);
    assert.equal(none.state.recommendations.length, 0);
  });

  it('EC2 warm-up rule: no scale-in while a replica is warming (off: HPA behaviour)', () => {
    const base = { min: 1, max: 50, metric: 'cpu', target: 100, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } };
    const s = sampleOf('cpu', [50, 50, 50, 50, { warming: 0 }, 'unready']);
    const blocked = recommend(parseAutoscaleConfig(base), s);
    assert.equal(blocked.desired, 6);
    assert.deepEqual(blocked.why.blocked, { reason: 'warming', warming: 1, from: 2, to: 6 });
    assert.match(blocked.why.summary, /scale-in blocked: 1 replica\(s\) warming/);
    // A replica that is not ready at all does not block scale-in.
    const stuck = recommend(parseAutoscaleConfig(base), sampleOf('cpu', [50, 50, 50, 50, 'unready', 'unready']));
    assert.equal(stuck.desired, 2);
    const hpa = recommend(parseAutoscaleConfig({ ...base, blockScaleInWhileWarming: false }), s);
    assert.equal(hpa.desired, 2);
  });

  it('records scale events only for changes, and the state is plain JSON', () => {
    const c = parseAutoscaleConfig({ metric: 'cpu', target: 100 });
    const a = recommend(c, uniform('cpu', 2, 100, 0));
    assert.equal(a.state.scaleEvents.length, 0);
    const b = recommend(c, uniform('cpu', 2, 300, 15 * S), a.state);
    assert.deepEqual(b.state.scaleEvents, [{ atMs: 15 * S, from: 2, to: 6 }]);
    assert.deepEqual(JSON.parse(JSON.stringify(b.state)), b.state);
    assert.equal(b.why.summary, '2 → 6: cpu 300/100 ×3.00 → 6');
  });

  it('is deterministic and does not mutate its inputs', () => {
    const c = parseAutoscaleConfig({ metric: 'cpu', target: 100, predictive: true });
    const s = uniform('cpu', 3, 250, 60 * S);
    const st = recommend(c, uniform('cpu', 3, 150, 45 * S)).state;
    const frozen = JSON.stringify([s, st]);
    assert.deepEqual(recommend(c, s, st), recommend(c, s, st));
    assert.equal(JSON.stringify([s, st]), frozen);
  });

  it('refuses a sample it cannot use', () => {
    const c = parseAutoscaleConfig({});
    assert.throws(() => recommend(c, { nowMs: Number.NaN, currentReplicas: 1, replicas: [] }), (e: unknown) => e instanceof AutoscaleSampleError && e.code === 'AUTOSCALE_ERR_SAMPLE');
    assert.throws(() => recommend(c, { nowMs: 0, currentReplicas: 1.5, replicas: [] }), /currentReplicas = 1.5/);
    const bad = [{ id: 'w1', readySinceMs: 'soon', metrics: {} }] as unknown as [];
    assert.throws(() => recommend(c, { nowMs: 0, currentReplicas: 1, replicas: bad }), /replicas\[0\]\.readySinceMs = soon/);
    const noMetrics = [{ id: 'w1', readySinceMs: 0 }] as unknown as [];
    assert.throws(() => recommend(c, { nowMs: 0, currentReplicas: 1, replicas: noMetrics }), /replicas\[0\]\.metrics is not an object/);
  });
});

describe('recommend: predictive step', () => {
  const c = parseAutoscaleConfig({ min: 1, max: 100, metric: 'rps', target: 100, predictive: { windowSeconds: 60, leadSeconds: 30 } });

  /** Feeds total load `total(t)` at 15 s syncs with a fixed replica count; returns the last decision. */
  function feed(total: (t: number) => number, until: number, replicas = 10) {
    let state = initialAutoscaleState();
    let last = recommend(c, uniform('rps', replicas, total(0) / replicas, 0), state);
    for (let t = 15; t <= until; t += 15) {
      state = last.state;
      last = recommend(c, uniform('rps', replicas, total(t) / replicas, t * S), state);
    }
    return last;
  }

  it('off by default: predicted is null', () => {
    const d = recommend(parseAutoscaleConfig({ metric: 'rps', target: 100 }), uniform('rps', 4, 100, 0));
    assert.equal(d.predicted, null);
    assert.deepEqual(d.state.history, {});
  });

  it('a ramp is met ahead: the fit predicts the load 30 s on, reported beside the plain value', () => {
    // 1000 rps + 20 rps/s: at t = 60 the load is 2200 (plain 22), at t = 90 it will be 2800 (predicted 28).
    const d = feed((t) => 1000 + 20 * t, 60);
    assert.equal(d.plain, 22);
    assert.equal(d.predicted, 28);
    assert.equal(d.desired, 20); // 10 + 100% per 15 s
    assert.equal(d.why.metrics[0]!.predictedValue, 280);
    assert.match(d.why.summary, /predictive 28 over plain 22/);
  });

  it('flat or falling load: the predicted value does not raise the recommendation', () => {
    const flat = feed(() => 1000, 60);
    assert.equal(flat.plain, 10);
    assert.equal(flat.predicted, 10);
    const falling = feed((t) => 2000 - 10 * t, 60);
    assert.ok(falling.predicted! <= falling.plain!, `${falling.predicted} ≤ ${falling.plain}`);
  });

  it('needs minSamples points in the window', () => {
    const one = recommend(c, uniform('rps', 10, 120, 0));
    assert.equal(one.predicted, null);
    const two = recommend(c, uniform('rps', 10, 150, 15 * S), one.state);
    assert.equal(two.predicted, null);
    const three = recommend(c, uniform('rps', 10, 180, 30 * S), two.state);
    assert.notEqual(three.predicted, null);
    // Points older than the window are dropped.
    const late = recommend(c, uniform('rps', 10, 180, 300 * S), three.state);
    assert.equal(late.state.history.rps?.length, 1);
  });
});
