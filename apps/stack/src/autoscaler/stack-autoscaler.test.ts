import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceStatus } from '../instance-status.js';
import type { Observatory } from '../observatory/observatory.js';
import type { InstanceFigures, StackFigures } from '../observatory/stack-figures.js';
import type { Supervisor } from '../supervisor.js';
import { webTier } from './stack-autoscaler.js';

const row = (name: string, state: InstanceStatus['state'] = 'running', healthy = true, service = 'web'): InstanceStatus => ({ name, service, address: `${name}:3000`, pid: 1, state, healthy });
const fig = (name: string, rps: number, inFlight: number | null, cpu: number | null, scraped = true) =>
  ({ name, service: 'web', address: '', state: 'running', healthy: true, scraped, rps, errorRate: 0, p99Ms: 5, inFlight, detail: { cpuCores: cpu } }) as InstanceFigures;

describe('webTier: the autoscaler wired to the supervisor and the observatory (stubs)', () => {
  it('reads each web replica and the LB p99; replicas being added are not ready, those being removed are draining', async () => {
    let rows = [row('web1'), row('web2'), row('web3', 'starting', false), row('lb1', 'running', true, 'lb')];
    let release!: () => void;
    const calls: number[] = [];
    const supervisor = {
      status: () => rows,
      scale: async (_service: string, n: number) => {
        calls.push(n);
        await new Promise<void>((r) => (release = r));
        rows = rows.filter((r) => r.service !== 'web' || Number(r.name.slice(3)) <= n);
        return rows;
      },
    } as unknown as Supervisor;
    const figures: { latest?: StackFigures } = {};
    const observatory = figures as unknown as Observatory;
    let scaled = 0;
    const tier = webTier({ supervisor, observatory, onScaled: () => scaled++ });
    assert.equal(tier.observe(), null, 'no figures before the first scrape');

    figures.latest = { headline: { p99Ms: 42 }, instances: [fig('web1', 30, 2, 0.25), fig('web2', 10, null, 0.1, false)] } as unknown as StackFigures;
    const obs = tier.observe()!;
    assert.equal(obs.p99Ms, 42);
    assert.deepEqual(obs.replicas, [
      { name: 'web1', ready: true, draining: false, inflight: 2, rps: 30, cpu: 0.25 },
      { name: 'web2', ready: true, draining: false, inflight: null, rps: null, cpu: null }, // last scrape failed: unknown, not 0
      { name: 'web3', ready: false, draining: false, inflight: null, rps: null, cpu: null },
    ]);

    // Scale-in to 1: web2 and web3 drain until the supervisor has stopped them.
    const down = tier.scaleTo(1);
    assert.deepEqual(calls, [1]);
    assert.deepEqual(tier.observe()!.replicas.map((r) => [r.name, r.ready, r.draining]), [['web1', true, false], ['web2', false, true], ['web3', false, true]]);
    release();
    await down;
    assert.equal(scaled, 1);
    assert.deepEqual(tier.observe()!.replicas.map((r) => r.name), ['web1']);

    // Scale-up to 2: web2 is not ready until the scale call (readiness + both LB pools) is done.
    const up = tier.scaleTo(2);
    rows = [...rows, row('web2')];
    assert.equal(tier.observe()!.replicas.find((r) => r.name === 'web2')?.ready, false);
    release();
    await up;
    assert.equal(tier.observe()!.replicas.find((r) => r.name === 'web2')?.ready, true);
  });
});
