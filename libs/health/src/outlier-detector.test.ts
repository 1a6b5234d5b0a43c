import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector } from './outlier-detector.js';
import type { EjectEvent, UnejectEvent } from './outlier-detector.js';
import { HealthError } from './health-error.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; t: { value: number } } {
  const t = { value: start };
  return { t, now: () => t.value, advance: (ms) => (t.value += ms) };
}

function failTimes(d: OutlierDetector, key: string, n: number): boolean[] {
  return Array.from({ length: n }, () => d.recordFailure(key));
}

describe('OutlierDetector', () => {
  it('uses Envoy-like defaults', () => {
    const d = new OutlierDetector();
    assert.equal(d.consecutiveFailures, 5);
    assert.equal(d.baseEjectionMs, 30_000);
    assert.equal(d.maxEjectionMs, 300_000);
    assert.equal(d.decayMs, 30_000);
    assert.equal(d.maxEjectionPercent, 100);
  });

  it('ejects after exactly N consecutive failures', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 3, now: c.now });
    const ejects: EjectEvent[] = [];
    d.on('eject', (e) => ejects.push(e));
    assert.deepEqual(failTimes(d, 'web1', 2), [false, false]);
    assert.equal(d.isEjected('web1'), false);
    assert.equal(d.ejectedUntil('web1'), undefined);
    assert.equal(d.recordFailure('web1'), true);
    assert.equal(d.isEjected('web1'), true);
    assert.equal(d.ejectedUntil('web1'), c.t.value + 30_000);
    assert.deepEqual(ejects, [
      { key: 'web1', at: c.t.value, until: c.t.value + 30_000, durationMs: 30_000, ejectionCount: 1, consecutiveFailures: 3 },
    ]);
    assert.equal(d.isEjected('web2'), false, 'other keys are unaffected');
    assert.deepEqual(d.ejectedKeys(), ['web1']);
  });

  it('a success resets the failure streak', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 3, now: c.now });
    failTimes(d, 'k', 2);
    d.recordSuccess('k');
    assert.equal(d.stats('k')?.consecutiveFailures, 0);
    assert.deepEqual(failTimes(d, 'k', 2), [false, false]);
    assert.equal(d.isEjected('k'), false);
    assert.equal(d.recordFailure('k'), true);
  });

  it('un-ejects when the time is over, emitting uneject', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 1000, now: c.now });
    const unejects: UnejectEvent[] = [];
    d.on('uneject', (e) => unejects.push(e));
    const start = c.t.value;
    d.recordFailure('k');
    c.advance(999);
    assert.equal(d.isEjected('k'), true);
    assert.equal(unejects.length, 0);
    c.advance(1);
    assert.equal(d.isEjected('k'), false);
    assert.deepEqual(unejects, [{ key: 'k', at: start + 1000, observedAt: start + 1000, ejectionCount: 1 }]);
    assert.equal(d.isEjected('k'), false);
    assert.equal(unejects.length, 1, 'uneject is emitted once');
    // An explicit `now` argument works without the clock.
    d.recordFailure('k', start + 5000);
    assert.equal(d.isEjected('k', start + 5000), true);
  });

  it('ignores failures reported while ejected', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 2, baseEjectionMs: 1000, now: c.now });
    failTimes(d, 'k', 2);
    const until = d.ejectedUntil('k');
    assert.deepEqual(failTimes(d, 'k', 5), [false, false, false, false, false]);
    assert.equal(d.ejectedUntil('k'), until);
    c.advance(1000);
    assert.equal(d.stats('k')?.consecutiveFailures, 0);
    assert.equal(d.recordFailure('k'), false, 'a fresh streak starts after the ejection');
  });

  it('grows ejection times with repeated ejections, up to the cap', () => {
    const c = clock();
    const d = new OutlierDetector({
      consecutiveFailures: 1,
      baseEjectionMs: 1000,
      maxEjectionMs: 3500,
      decayMs: 1_000_000,
      now: c.now,
    });
    const durations: number[] = [];
    d.on('eject', (e) => durations.push(e.durationMs));
    for (let i = 0; i < 6; i++) {
      assert.equal(d.recordFailure('k'), true);
      const until = d.ejectedUntil('k') as number;
      c.t.value = until; // ejection over, no decay (decayMs is huge)
    }
    assert.deepEqual(durations, [1000, 2000, 3000, 3500, 3500, 3500]);
    assert.equal(d.stats('k')?.totalEjections, 6);
  });

  it('decays the ejection count by one per quiet decayMs after an ejection ends', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 1000, maxEjectionMs: 10_000, decayMs: 5000, now: c.now });
    const durations: number[] = [];
    d.on('eject', (e) => durations.push(e.durationMs));
    d.recordFailure('k'); // count 1, 1 s
    c.advance(1000);
    d.recordFailure('k'); // count 2, 2 s
    c.advance(2000);
    d.recordFailure('k'); // count 3, 3 s
    c.advance(3000); // ejection over now
    assert.equal(d.stats('k')?.ejectionCount, 3);
    c.advance(4999);
    assert.equal(d.stats('k')?.ejectionCount, 3, 'no decay before a full decayMs');
    c.advance(1);
    assert.equal(d.stats('k')?.ejectionCount, 2);
    c.advance(5000 * 5);
    assert.equal(d.stats('k')?.ejectionCount, 0, 'never below zero');
    d.recordFailure('k');
    assert.deepEqual(durations, [1000, 2000, 3000, 1000]);
  });

  it('limits simultaneous ejections with maxEjectionPercent of totalCount', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 20, totalCount: 10, now: c.now });
    assert.equal(d.recordFailure('a'), true);
    assert.equal(d.recordFailure('b'), true);
    assert.equal(d.recordFailure('c'), false, '20% of 10 is 2');
    assert.equal(d.isEjected('c'), false);
    assert.equal(d.skippedEjections, 1);
    assert.deepEqual(d.ejectedKeys().sort(), ['a', 'b']);
    c.advance(30_000); // a and b return
    assert.equal(d.recordFailure('c'), true, 'the streak was kept, so the next failure ejects');
  });

  it('always allows one ejection, takes a totalCount function, and 0% disables ejection', () => {
    let total = 3;
    const d = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 10, totalCount: () => total, now: () => 0 });
    assert.equal(d.recordFailure('a'), true, '10% of 3 rounds down to 0, but one is allowed');
    assert.equal(d.recordFailure('b'), false);
    total = 20;
    assert.equal(d.recordFailure('b'), true, '10% of 20 is 2');
    const none = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 0, now: () => 0 });
    assert.equal(none.recordFailure('a'), false);
    assert.equal(none.isEjected('a'), false);
  });

  it('counts known keys when there is no totalCount', () => {
    const d = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 50, now: () => 0 });
    for (const k of ['a', 'b', 'c', 'd']) d.recordSuccess(k);
    assert.equal(d.size, 4);
    assert.equal(d.recordFailure('a'), true);
    assert.equal(d.recordFailure('b'), true);
    assert.equal(d.recordFailure('c'), false);
  });

  it('remove() forgets a key; sweep() ends ejections that are over', () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 1000, now: c.now });
    const unejected: string[] = [];
    d.on('uneject', (e) => unejected.push(e.key));
    d.recordFailure('a');
    d.recordFailure('b');
    assert.equal(d.remove('a'), true);
    assert.equal(d.isEjected('a'), false);
    assert.equal(d.stats('a'), undefined);
    assert.equal(d.remove('a'), false);
    c.advance(1000);
    assert.deepEqual(d.sweep(), ['b']);
    assert.deepEqual(unejected, ['b']);
    assert.deepEqual(d.sweep(), []);
  });

  it('with sweepIntervalMs, emits uneject from a timer until close()', async () => {
    const c = clock();
    const d = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 1000, now: c.now, sweepIntervalMs: 5 });
    try {
      d.recordFailure('k');
      const seen = new Promise<UnejectEvent>((resolve) => d.once('uneject', resolve));
      c.advance(1000); // nobody asks about 'k': only the sweep timer can notice
      const keep = setInterval(() => {}, 1000);
      try {
        const e = await seen;
        assert.equal(e.key, 'k');
      } finally {
        clearInterval(keep);
      }
    } finally {
      d.close();
    }
  });

  it('rejects invalid options', () => {
    const bad = [
      { consecutiveFailures: 0 },
      { baseEjectionMs: 0 },
      { baseEjectionMs: 1000, maxEjectionMs: 10 },
      { maxEjectionPercent: 101 },
      { totalCount: -1 },
      { sweepIntervalMs: -5 },
    ];
    for (const o of bad) {
      assert.throws(
        () => new OutlierDetector(o),
        (err: unknown) => err instanceof HealthError && err.code === 'HEALTH_ERR_INVALID_OPTION',
        JSON.stringify(o),
      );
    }
  });

  it('keeps throwing listeners away from the caller', () => {
    const errors: unknown[] = [];
    const d = new OutlierDetector({ consecutiveFailures: 1, now: () => 0, onListenerError: (e) => errors.push(e) });
    d.on('eject', () => {
      throw new Error('listener bug');
    });
    assert.equal(d.recordFailure('a'), true);
    assert.equal(d.isEjected('a'), true);
    assert.equal(errors.length, 1);
  });
});
