import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActiveChecker } from './active-checker.js';
import type { ChangeEvent, CheckResult } from './active-checker.js';
import { HealthError } from './health-error.js';
import type { Probe } from './probe.js';

/** A probe that plays back a script of outcomes ('ok' / 'fail'), then repeats the last one. */
function scripted(script: Array<'ok' | 'fail'>): Probe & { calls: number } {
  let i = 0;
  const probe = Object.assign(
    async (): Promise<void> => {
      probe.calls++;
      const step = script[Math.min(i++, script.length - 1)];
      if (step === 'fail') throw new Error(`scripted failure ${i}`);
    },
    { calls: 0 },
  );
  return probe;
}

/** A probe whose outcome is whatever `mode.ok` says at call time; records every outcome. */
function switchable(): { probe: Probe; mode: { ok: boolean }; outcomes: boolean[] } {
  const mode = { ok: false };
  const outcomes: boolean[] = [];
  const probe: Probe = async () => {
    outcomes.push(mode.ok);
    if (!mode.ok) throw new Error('down');
  };
  return { probe, mode, outcomes };
}

/** Keep the event loop alive while awaiting work that only unref()'d timers drive. */
async function keepingAlive<T>(work: Promise<T>, guardMs = 20_000): Promise<T> {
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`gave up waiting after ${guardMs} ms`)), guardMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(guard);
  }
}

function collect(checker: ActiveChecker): { changes: ChangeEvent[]; checks: CheckResult[] } {
  const changes: ChangeEvent[] = [];
  const checks: CheckResult[] = [];
  checker.on('change', (e) => changes.push(e));
  checker.on('check', (e) => checks.push(e));
  return { changes, checks };
}

describe('ActiveChecker options', () => {
  it('uses the HAProxy-like defaults', () => {
    const c = new ActiveChecker({ probe: async () => {} });
    assert.equal(c.interval, 2000);
    assert.equal(c.fastInterval, 2000);
    assert.equal(c.downInterval, 2000);
    assert.equal(c.timeout, 2000);
    assert.equal(c.rise, 2);
    assert.equal(c.fall, 3);
    assert.equal(c.jitter, 0);
    assert.equal(c.state, 'up');
    assert.equal(c.isUp, true);
    assert.equal(c.name, 'check');
  });

  it('derives fastInterval, downInterval and timeout from interval', () => {
    const short = new ActiveChecker({ probe: async () => {}, interval: 500 });
    assert.equal(short.fastInterval, 500);
    assert.equal(short.downInterval, 500);
    assert.equal(short.timeout, 500);
    const long = new ActiveChecker({ probe: async () => {}, interval: 10_000 });
    assert.equal(long.timeout, 2000);
  });

  it('rejects invalid options with HEALTH_ERR_INVALID_OPTION', () => {
    const bad: Array<Record<string, unknown>> = [
      { rise: 0 },
      { fall: 1.5 },
      { interval: -1 },
      { interval: Number.NaN },
      { timeout: 0 },
      { jitter: 1 },
      { jitter: -0.1 },
      { initialState: 'maybe' },
      { probe: 'not a function' },
    ];
    for (const extra of bad) {
      assert.throws(
        () => new ActiveChecker({ probe: async () => {}, ...extra } as never),
        (err: unknown) => err instanceof HealthError && err.code === 'HEALTH_ERR_INVALID_OPTION',
        JSON.stringify(extra),
      );
    }
  });
});

describe('ActiveChecker rise/fall with checkNow()', () => {
  it('goes down after exactly `fall` consecutive failures', async () => {
    const c = new ActiveChecker({ name: 'web1', probe: scripted(['fail']), fall: 3 });
    const { changes } = collect(c);
    await c.checkNow();
    await c.checkNow();
    assert.equal(c.state, 'up');
    assert.equal(c.consecutiveFailures, 2);
    assert.equal(changes.length, 0);
    const third = await c.checkNow();
    assert.equal(third.ok, false);
    assert.equal(third.state, 'down');
    assert.equal(c.state, 'down');
    assert.equal(c.isUp, false);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].name, 'web1');
    assert.equal(changes[0].from, 'up');
    assert.equal(changes[0].to, 'down');
    assert.equal(changes[0].consecutive, 3);
    assert.match(changes[0].reason, /3 consecutive failed checks: scripted failure 3/);
    assert.equal(changes[0].error?.message, 'scripted failure 3');
    // Further failures change nothing.
    await c.checkNow();
    assert.equal(changes.length, 1);
    assert.equal(c.transitions, 1);
    assert.equal(c.checks, 4);
    assert.equal(c.failures, 4);
  });

  it('goes up after exactly `rise` consecutive successes', async () => {
    const c = new ActiveChecker({ probe: scripted(['ok']), rise: 4, initialState: 'down' });
    const { changes } = collect(c);
    for (let i = 1; i <= 3; i++) {
      await c.checkNow();
      assert.equal(c.state, 'down', `after ${i} successes`);
    }
    await c.checkNow();
    assert.equal(c.state, 'up');
    assert.deepEqual(
      changes.map((e) => [e.from, e.to, e.consecutive]),
      [['down', 'up', 4]],
    );
    assert.match(changes[0].reason, /4 consecutive successful checks/);
  });

  it('resets the streaks on the opposite result', async () => {
    // up, fall 3: two failures then a success, repeatedly, never takes it down.
    const c = new ActiveChecker({
      probe: scripted(['fail', 'fail', 'ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'fail', 'ok', 'fail', 'ok', 'ok']),
      fall: 3,
      rise: 2,
    });
    const { changes } = collect(c);
    for (let i = 0; i < 6; i++) await c.checkNow();
    assert.equal(c.state, 'up');
    assert.equal(c.consecutiveFailures, 0);
    assert.equal(c.consecutiveSuccesses, 1);
    for (let i = 0; i < 3; i++) await c.checkNow();
    assert.equal(c.state, 'down');
    // down, rise 2: success, failure, does not bring it up; two successes do.
    await c.checkNow();
    assert.equal(c.consecutiveSuccesses, 1);
    await c.checkNow();
    assert.equal(c.consecutiveSuccesses, 0);
    assert.equal(c.consecutiveFailures, 1);
    assert.equal(c.state, 'down');
    await c.checkNow();
    assert.equal(c.state, 'down');
    await c.checkNow();
    assert.equal(c.state, 'up');
    assert.deepEqual(
      changes.map((e) => `${e.to}:${e.consecutive}`),
      ['down:3', 'up:2'],
    );
    assert.equal(c.checks, 13);
    assert.equal(c.failures, 8);
    assert.equal(c.transitions, 2);
  });

  it('reports each check with its duration, error and the probe result', async () => {
    let n = 0;
    const c = new ActiveChecker({
      name: 'db1',
      probe: async () => {
        n++;
        if (n === 2) throw new Error('boom');
        return { status: 204, detail: 'fine' };
      },
    });
    const { checks } = collect(c);
    const first = await c.checkNow();
    assert.equal(first.ok, true);
    assert.equal(first.aborted, false);
    assert.deepEqual(first.result, { status: 204, detail: 'fine' });
    assert.equal(first.error, undefined);
    assert.equal(typeof first.durationMs, 'number');
    assert.ok(first.durationMs >= 0);
    const second = await c.checkNow();
    assert.equal(second.ok, false);
    assert.equal(second.error?.message, 'boom');
    assert.equal(c.lastError?.message, 'boom');
    assert.equal(c.lastDurationMs, second.durationMs);
    await c.checkNow();
    assert.equal(c.lastError?.message, 'boom', 'lastError is kept after a success');
    assert.deepEqual(
      checks.map((e) => [e.name, e.ok]),
      [
        ['db1', true],
        ['db1', false],
        ['db1', true],
      ],
    );
    const snap = c.snapshot();
    assert.equal(snap.name, 'db1');
    assert.equal(snap.checks, 3);
    assert.equal(snap.failures, 1);
    assert.equal(snap.lastError, 'boom');
    assert.equal(snap.running, false);
  });

  it('counts a synchronous throw and a non-Error rejection as failures', async () => {
    const sync = new ActiveChecker({
      probe: (() => {
        throw new Error('sync');
      }) as Probe,
      fall: 1,
    });
    const r1 = await sync.checkNow();
    assert.equal(r1.ok, false);
    assert.equal(r1.error?.message, 'sync');
    assert.equal(sync.state, 'down');

    const odd = new ActiveChecker({ probe: () => Promise.reject('a string'), fall: 1 });
    const r2 = await odd.checkNow();
    assert.equal(r2.ok, false);
    assert.ok(r2.error instanceof HealthError);
    assert.equal((r2.error as HealthError).code, 'HEALTH_ERR_PROBE');
    assert.match(r2.error.message, /a string/);
  });

  it('joins a check already in flight instead of starting another', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const c = new ActiveChecker({
      probe: () => {
        calls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const a = c.checkNow();
    const b = c.checkNow();
    assert.equal(a, b);
    release();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(calls, 1);
    assert.equal(ra, rb);
    assert.equal(c.checks, 1);
  });
});

describe('ActiveChecker timeouts and stop()', () => {
  it('fails a probe that ignores the signal when it exceeds the timeout', async () => {
    const c = new ActiveChecker({ probe: () => new Promise<void>(() => {}), timeout: 30, fall: 1 });
    const result = await keepingAlive(c.checkNow());
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof HealthError);
    assert.equal((result.error as HealthError).code, 'HEALTH_ERR_TIMEOUT');
    assert.equal(c.state, 'down');
    assert.equal(c.failures, 1);
  });

  it('aborts the probe signal with the timeout error', async () => {
    let seen: AbortSignal | undefined;
    const c = new ActiveChecker({
      probe: (signal) =>
        new Promise<void>((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(new Error('probe noticed the abort')));
        }),
      timeout: 30,
    });
    const result = await keepingAlive(c.checkNow());
    assert.equal(seen?.aborted, true);
    assert.equal((seen?.reason as HealthError).code, 'HEALTH_ERR_TIMEOUT');
    // The reported error is the timeout, not the probe's reaction to it.
    assert.equal((result.error as HealthError).code, 'HEALTH_ERR_TIMEOUT');
  });

  it('stop() aborts a check in flight and discards it', async () => {
    let seen: AbortSignal | undefined;
    let entered: () => void = () => {};
    const inProbe = new Promise<void>((resolve) => (entered = resolve));
    const c = new ActiveChecker({
      probe: (signal) => {
        seen = signal;
        entered();
        return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      timeout: 60_000,
      interval: 60_000,
    });
    const { checks, changes } = collect(c);
    const pending = c.checkNow();
    await inProbe;
    c.stop();
    const result = await pending;
    assert.equal(seen?.aborted, true);
    assert.equal((seen?.reason as HealthError).code, 'HEALTH_ERR_ABORTED');
    assert.equal(result.aborted, true);
    assert.equal(c.checks, 0);
    assert.equal(c.failures, 0);
    assert.equal(checks.length, 0);
    assert.equal(changes.length, 0);
  });

  it('keeps a throwing listener away from the checker', async () => {
    const errors: unknown[] = [];
    const c = new ActiveChecker({
      probe: scripted(['fail']),
      fall: 1,
      onListenerError: (err) => errors.push(err),
    });
    c.on('change', () => {
      throw new Error('listener bug');
    });
    let later = 0;
    c.on('change', () => later++);
    const result = await c.checkNow();
    assert.equal(result.ok, false);
    assert.equal(c.state, 'down');
    assert.equal(later, 1, 'the other listeners still run');
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'listener bug');
  });

  it('removes once() listeners after one call', async () => {
    const c = new ActiveChecker({ probe: scripted(['ok']) });
    let n = 0;
    c.once('check', () => n++);
    await c.checkNow();
    await c.checkNow();
    assert.equal(n, 1);
    assert.equal(c.listenerCount('check'), 0);
  });
});

describe('ActiveChecker intervals', () => {
  it('picks interval, fastInterval and downInterval from the state', async () => {
    const c = new ActiveChecker({
      probe: scripted(['fail', 'fail', 'ok', 'ok']),
      interval: 1000,
      fastInterval: 100,
      downInterval: 5000,
      fall: 2,
      rise: 2,
    });
    assert.equal(c.nextInterval(), 1000); // up, steady
    await c.checkNow();
    assert.equal(c.nextInterval(), 100); // up, going down
    await c.checkNow();
    assert.equal(c.state, 'down');
    assert.equal(c.nextInterval(), 5000); // fully down
    await c.checkNow();
    assert.equal(c.nextInterval(), 100); // down, going up
    await c.checkNow();
    assert.equal(c.state, 'up');
    assert.equal(c.nextInterval(), 1000);
  });
});

describe('ActiveChecker with real timers', () => {
  it('goes down after exactly `fall` and up after exactly `rise` periodic checks', async () => {
    const { probe, mode, outcomes } = switchable();
    const c = new ActiveChecker({ name: 'lb1', probe, interval: 20, fall: 3, rise: 2 });
    try {
      const down = once(c, 'change');
      c.start();
      const [toDown] = (await keepingAlive(down)) as [ChangeEvent];
      assert.equal(toDown.to, 'down');
      assert.deepEqual(outcomes, [false, false, false]);
      const up = once(c, 'change');
      mode.ok = true;
      const [toUp] = (await keepingAlive(up)) as [ChangeEvent];
      assert.equal(toUp.to, 'up');
      assert.deepEqual(outcomes, [false, false, false, true, true]);
      assert.equal(toUp.consecutive, 2);
    } finally {
      c.stop();
    }
  });

  it('uses fastInterval while transitioning and downInterval while down', async () => {
    const probe = scripted(['fail']);
    // interval and downInterval of an hour: only fastInterval can make progress here.
    const c = new ActiveChecker({ probe, interval: 3_600_000, fastInterval: 10, fall: 3 });
    try {
      const down = once(c, 'change');
      c.start();
      await keepingAlive(down);
      assert.equal(c.state, 'down');
      assert.equal(probe.calls, 3);
      // Fully down now: the next check is an hour (downInterval = interval) away.
      await sleep(150);
      assert.equal(probe.calls, 3);
    } finally {
      c.stop();
    }
  });

  it('runs no more checks after stop(), and resumes after start()', async () => {
    const probe = scripted(['ok']);
    const c = new ActiveChecker({ probe, interval: 10 });
    const { checks } = collect(c);
    c.start();
    assert.equal(c.running, true);
    await keepingAlive(
      new Promise<void>((resolve) => {
        const onCheck = (): void => {
          if (checks.length >= 3) {
            c.off('check', onCheck);
            resolve();
          }
        };
        c.on('check', onCheck);
      }),
    );
    c.stop();
    assert.equal(c.running, false);
    const calls = probe.calls;
    await sleep(120);
    assert.equal(probe.calls, calls, 'no check ran after stop()');
    c.start();
    await keepingAlive(once(c, 'check'));
    c.stop();
    assert.ok(probe.calls > calls);
  });

  it('spreads checks with jitter using the random source', async () => {
    const probe = scripted(['ok']);
    const draws: number[] = [];
    const c = new ActiveChecker({
      probe,
      interval: 20,
      jitter: 0.5,
      random: () => {
        draws.push(0.5);
        return 0.5;
      },
    });
    c.start();
    try {
      await keepingAlive(once(c, 'check'));
      await keepingAlive(once(c, 'check'));
    } finally {
      c.stop();
    }
    assert.ok(draws.length >= 2, 'the first delay and each later delay draw from the random source');
  });
});
