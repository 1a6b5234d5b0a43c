import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAutoscaleConfig } from '@scaleout/autoscale';
import { createLogger } from '@scaleout/service';
import { Autoscaler, type DecisionRecord } from './autoscaler.js';
import type { Clock } from './clock.js';
import type { Observation } from './observation.js';

/** A clock whose time moves only when told; timers run in order as it passes them. */
class FakeClock implements Clock {
  t = 1_700_000_000_000;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const id = ++this.#id;
    this.#timers.push({ at: this.t + ms, fn, id });
    return () => (this.#timers = this.#timers.filter((x) => x.id !== id));
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

interface FakeReplica {
  name: string;
  readyAt: number;
  draining: boolean;
}

/**
 * A web tier in memory: `load(t)` req/s spread evenly over the ready replicas (each reporting rps and
 * in-flight = rps × 20 ms); a new replica is ready `startupMs` after the scale call, which resolves then;
 * a scale-in marks the highest-numbered replicas draining and removes them after `drainMs`.
 */
class FakeTier {
  replicas: FakeReplica[] = [];
  calls: { at: number; to: number }[] = [];
  constructor(
    readonly clock: FakeClock,
    initial: number,
    public load: (t: number) => number,
    readonly startupMs = 3000,
    readonly drainMs = 1000,
  ) {
    for (let i = 1; i <= initial; i++) this.replicas.push({ name: `web${i}`, readyAt: clock.t - 3_600_000, draining: false });
  }
  /** Per-replica service rate for the M/M/1 figures (in flight ρ/(1−ρ), p99 ln(100)/(μ−λ)); 0 = the flat figures. */
  capacity = 0;
  observe = (): Observation => {
    const now = this.clock.now();
    const ready = this.replicas.filter((r) => !r.draining && r.readyAt <= now);
    const each = ready.length ? this.load(now) / ready.length : 0;
    if (this.capacity > 0) {
      const rho = Math.min(each / this.capacity, 0.99);
      const p99Ms = each >= this.capacity * 0.99 ? 5000 : (Math.log(100) / (this.capacity - each)) * 1000;
      return {
        p99Ms,
        replicas: this.replicas.map((r) => {
          const up = !r.draining && r.readyAt <= now;
          return { name: r.name, ready: up, draining: r.draining, rps: up ? each : null, inflight: up ? rho / (1 - rho) : null, cpu: up ? rho : null };
        }),
      };
    }
    return {
      p99Ms: 20,
      replicas: this.replicas.map((r) => {
        const up = !r.draining && r.readyAt <= now;
        return { name: r.name, ready: up, draining: r.draining, rps: up ? each : null, inflight: up ? each * 0.02 : null, cpu: up ? each / 1000 : null };
      }),
    };
  };
  scaleTo = (n: number): Promise<void> => {
    this.calls.push({ at: this.clock.now(), to: n });
    const live = this.replicas.length;
    if (n > live) {
      for (let i = live + 1; i <= n; i++) this.replicas.push({ name: `web${i}`, readyAt: this.clock.now() + this.startupMs, draining: false });
      return new Promise((resolve) => this.clock.after(this.startupMs, resolve));
    }
    for (const r of this.replicas.slice(n)) r.draining = true;
    return new Promise((resolve) =>
      this.clock.after(this.drainMs, () => {
        this.replicas = this.replicas.slice(0, n);
        resolve();
      }),
    );
  };
}

/** Stops the loop, letting fake time pass for a change in progress to settle. */
async function stopped(clock: FakeClock, scaler: Autoscaler): Promise<void> {
  const done = scaler.stop();
  await clock.advance(60_000);
  await done;
}

const quiet = createLogger({ service: 'test', level: 'silent' });

function setUp(config: Record<string, unknown>, initial: number, load: (t: number) => number, tierOpts: { startupMs?: number; drainMs?: number } = {}) {
  const clock = new FakeClock();
  const tier = new FakeTier(clock, initial, load, tierOpts.startupMs, tierOpts.drainMs);
  const scaler = new Autoscaler({ config: parseAutoscaleConfig(config), initialReplicas: initial, observe: tier.observe, scaleTo: tier.scaleTo, clock, logger: quiet });
  const decisions: DecisionRecord[] = [];
  scaler.on('decision', (d) => decisions.push(d));
  return { clock, tier, scaler, decisions, t0: clock.t };
}

describe('Autoscaler: the control loop (fake clock, fake web tier)', () => {
  it('follows a step up in load: one sync per period, scale-up limited by the policies, new replicas counted once warm', async () => {
    const { clock, tier, scaler, decisions, t0 } = setUp(
      { min: 2, max: 10, metric: 'rps', target: 100, syncPeriodSeconds: 5, warmupSeconds: 5, behavior: { scaleUp: { policies: '2pods/5s' } } },
      2,
      (t) => (t - t0 < 10_500 ? 150 : 800),
    );
    scaler.start();
    await clock.advance(9_500);
    // Syncs at 5 s: 75 rps per replica, below target but min is 2: no change.
    assert.equal(decisions.length, 1);
    assert.equal(decisions[0]!.desired, 2);
    assert.equal(tier.calls.length, 0);
    await clock.advance(1_000); // sync at 10 s: averages of 5..10 s (still 150 req/s in total)
    assert.equal(decisions.length, 2);
    await clock.advance(5_000); // sync at 15 s: 400 rps per replica → 8 wanted, 2 pods per 5 s → 4
    const up = decisions[2]!;
    assert.equal(up.current, 2);
    assert.equal(up.desired, 4);
    assert.match(up.summary, /limited by Pods 2\/5s/);
    assert.deepEqual(tier.calls.map((c) => c.to), [4]);
    assert.equal(scaler.status().applying?.to, 4);
    await clock.advance(5_000); // sync at 20 s: web3, web4 ready at 18 s but warming (5 s): unready → counted as 0 on a scale-up
    const next = decisions[3]!;
    assert.equal(next.current, 4);
    const rps = next.why.metrics[0]!;
    assert.equal(rps.counted, 2);
    assert.equal(rps.unready, 2);
    await clock.advance(30_000);
    assert.equal(scaler.current, 8, decisions.map((d) => d.summary).join('\n'));
    assert.ok(tier.calls.every((c, i) => i === 0 || c.to > tier.calls[i - 1]!.to), 'only scale-ups');
    assert.ok(scaler.status().changes.every((c) => c.result === 'done'));
    await stopped(clock, scaler);
  });

  it('holds a scale-in for the down window, then removes replicas; no flapping on a noisy load', async () => {
    let noise = 0;
    const { clock, tier, scaler, decisions, t0 } = setUp(
      { min: 1, max: 10, metric: 'inflight', target: 2, syncPeriodSeconds: 2, warmupSeconds: 0, behavior: { scaleDown: { stabilizationWindowSeconds: 20 } } },
      6,
      (t) => {
        noise = (noise * 7 + 3) % 11; // deterministic jitter, ±5%
        const base = t - t0 < 20_000 ? 600 : 150;
        return base * (0.95 + noise / 100);
      },
    );
    scaler.start();
    await clock.advance(20_000);
    assert.equal(scaler.current, 6, 'no change at 600 req/s ±5% (2 in flight per replica, within the tolerance)');
    const firstDown = () => tier.calls.find((c) => c.to < 6);
    await clock.advance(15_000); // 150 req/s from 20 s: 3 in flight in total → 2 replicas wanted, held by the 20 s window
    assert.equal(firstDown(), undefined, 'scale-in before the down window passed');
    await clock.advance(20_000);
    const down = firstDown();
    assert.ok(down, decisions.map((d) => d.summary).join('\n'));
    assert.ok(down.at - t0 >= 20_000 + 20_000 - 2_000, `scaled in at ${down.at - t0} ms`);
    await clock.advance(30_000);
    assert.equal(scaler.current, 2);
    assert.equal(scaler.status().directionChanges, 0);
    assert.ok(decisions.some((d) => d.why.stabilized?.window === 'down'), 'the down window is reported in why');
    await stopped(clock, scaler);
  });

  it('applies one change at a time; a decision made while one runs waits and supersedes older waiting ones', async () => {
    let load = 400;
    const { clock, tier, scaler } = setUp(
      { min: 1, max: 20, metric: 'rps', target: 100, syncPeriodSeconds: 1, warmupSeconds: 0, behavior: { scaleUp: { policies: '1pods/1s' } } },
      2,
      () => load,
      { startupMs: 3500 },
    );
    scaler.start();
    await clock.advance(1_200); // sync at 1 s: 200/replica → 4, limited to 3: call 1 (3.5 s to start)
    assert.deepEqual(tier.calls.map((c) => c.to), [3]);
    load = 800;
    await clock.advance(3_000); // syncs at 2, 3, 4 s decide 4, 5, 6 while the first call runs
    assert.deepEqual(tier.calls.map((c) => c.to), [3], 'a second call while the first runs');
    const wanted = scaler.current;
    assert.ok(wanted > 3);
    await clock.advance(500); // the first call resolves at 4.5 s: the latest wanted count is applied next
    assert.equal(tier.calls.length, 2);
    assert.equal(tier.calls[1]!.to, wanted);
    const results = scaler.status(100).changes.map((c) => c.result);
    assert.ok(results.includes('superseded'), results.join());
    assert.equal(results.filter((r) => r === 'applying').length, 1);
    await stopped(clock, scaler);
  });

  it('a failed scale is recorded and the next decision starts from the count it asked for', async () => {
    const clock = new FakeClock();
    let fail = true;
    const tier = new FakeTier(clock, 2, () => 600);
    const scaler = new Autoscaler({
      config: parseAutoscaleConfig({ min: 1, max: 8, metric: 'rps', target: 100, syncPeriodSeconds: 2, warmupSeconds: 0 }),
      initialReplicas: 2,
      observe: tier.observe,
      scaleTo: async (n) => {
        if (fail) throw new Error('web5 did not start');
        return tier.scaleTo(n);
      },
      clock,
      logger: quiet,
    });
    scaler.start();
    await clock.advance(2_100);
    const [change] = scaler.status().changes;
    assert.equal(change?.result, 'failed');
    assert.equal(change?.error, 'web5 did not start');
    fail = false;
    await stopped(clock, scaler);
  });

  it('without figures (no scrape yet) it does not decide', async () => {
    const clock = new FakeClock();
    const scaler = new Autoscaler({ config: parseAutoscaleConfig({ syncPeriodSeconds: 1 }), initialReplicas: 2, observe: () => null, scaleTo: async () => undefined, clock, logger: quiet });
    const decisions: DecisionRecord[] = [];
    scaler.on('decision', (d) => decisions.push(d));
    scaler.start();
    await clock.advance(5_000);
    assert.equal(decisions.length, 0);
    assert.equal(scaler.status().lastSyncAt, null);
    await stopped(clock, scaler);
  });

  it('the predictive step is reported beside target tracking and meets a ramp earlier', async () => {
    const ramp = (t: number, t0: number) => 100 + ((t - t0) / 1000) * 20; // +20 req/s every second
    const run = async (predictive: boolean) => {
      const { clock, scaler, decisions, t0 } = setUp(
        { min: 1, max: 20, metric: 'rps', target: 100, syncPeriodSeconds: 3, warmupSeconds: 0, predictive: predictive ? { windowSeconds: 15, leadSeconds: 10 } : false },
        1,
        (t) => ramp(t, t0),
        { startupMs: 1000 },
      );
      scaler.start();
      await clock.advance(30_000);
      await stopped(clock, scaler);
      return { decisions, replicas: scaler.current };
    };
    const plain = await run(false);
    const pred = await run(true);
    assert.ok(plain.decisions.every((d) => d.predicted === null));
    assert.ok(pred.decisions.some((d) => d.predicted !== null && d.plain !== null && d.predicted > d.plain), 'a prediction above the plain proposal');
    assert.ok(pred.replicas > plain.replicas, `predictive ${pred.replicas} vs plain ${plain.replicas}`);
  });

  it('a load step (100 → 800 req/s, M/M/1 replicas of 200 req/s): p99 back under its 50 ms target within 4 sync periods (HPA default rate: 4 pods or 100% per 15 s)', async () => {
    const { clock, tier, scaler, decisions, t0 } = setUp(
      { min: 1, max: 10, metrics: 'inflight=1,p99=50ms', syncPeriodSeconds: 5, warmupSeconds: 2 },
      1,
      (t) => (t - t0 < 20_000 ? 100 : 800),
      { startupMs: 3000 },
    );
    tier.capacity = 200;
    scaler.start();
    await clock.advance(19_000);
    assert.equal(scaler.current, 1, 'ρ = 0.5 at 100 req/s: inflight 1, p99 46 ms, no change');
    const p99After: number[] = [];
    for (let i = 0; i < 8; i++) {
      await clock.advance(5_000);
      p99After.push(tier.observe().p99Ms!);
    }
    const syncsToRecover = p99After.findIndex((p) => p < 50) + 1;
    assert.ok(syncsToRecover >= 1 && syncsToRecover <= 4, `p99 after each sync: ${p99After.map((p) => p.toFixed(0)).join(', ')} ms\n${decisions.map((d) => d.summary).join('\n')}`);
    assert.ok(p99After.slice(syncsToRecover - 1).every((p) => p < 50), 'p99 stays under the target once recovered');
    assert.ok(scaler.current >= 5 && scaler.current <= 10);
    await stopped(clock, scaler);
  });

  it('status: current, desired, why and the recent decisions, newest first', async () => {
    const { clock, scaler } = setUp({ min: 1, max: 4, metric: 'rps', target: 100, syncPeriodSeconds: 1, warmupSeconds: 0 }, 1, () => 250);
    scaler.start();
    await clock.advance(3_500);
    const s = scaler.status();
    assert.equal(s.enabled, true);
    assert.equal(s.config.maxReplicas, 4);
    assert.ok(s.decisions.length >= 3);
    assert.ok(s.decisions[0]!.atMs > s.decisions[1]!.atMs);
    assert.equal(s.desired, s.decisions[0]!.desired);
    assert.match(s.why ?? '', /rps/);
    assert.deepEqual(JSON.parse(JSON.stringify(s)).changes[0].from, 1);
    await stopped(clock, scaler);
  });
});
