import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AutoscaleConfigError, autoscaleConfigFromEnv, parseAutoscaleConfig } from './index.js';

function refused(input: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => parseAutoscaleConfig(input),
    (e: unknown) => {
      assert.ok(e instanceof AutoscaleConfigError, String(e));
      assert.equal(e.code, 'AUTOSCALE_ERR_CONFIG');
      assert.equal(e.field, field);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('parseAutoscaleConfig', () => {
  it('the short form of the stack spec: min, max, metric, target', () => {
    const c = parseAutoscaleConfig({ min: 2, max: 8, metric: 'rps', target: 150 });
    assert.equal(c.minReplicas, 2);
    assert.equal(c.maxReplicas, 8);
    assert.deepEqual(c.metrics, [{ name: 'rps', target: 150 }]);
    assert.equal(c.warmupSeconds, 30);
    assert.equal(c.blockScaleInWhileWarming, true);
    assert.equal(c.predictive.enabled, false);
  });

  it('defaults: 1..10 replicas on in-flight requests per replica, target 10', () => {
    const c = parseAutoscaleConfig();
    assert.equal(c.minReplicas, 1);
    assert.equal(c.maxReplicas, 10);
    assert.deepEqual(c.metrics, [{ name: 'inflight', target: 10 }]);
    assert.equal(parseAutoscaleConfig({ min: 12 }).maxReplicas, 12);
  });

  it('strings everywhere (as from the environment or YAML), durations with units', () => {
    const c = parseAutoscaleConfig({
      minReplicas: '2',
      maxReplicas: '20',
      metrics: 'inflight=8, p99=0.3s',
      tolerance: '0.05',
      syncPeriodSeconds: '5s',
      warmupSeconds: '1m',
      blockScaleInWhileWarming: 'off',
      behavior: {
        scaleUp: { stabilizationWindowSeconds: '30', policies: '4pods/15s,100%/15s', selectPolicy: 'max' },
        scaleDown: { stabilizationWindowSeconds: '5m', policies: [{ type: 'percent', value: '10', periodSeconds: '60' }], tolerance: '0.2' },
      },
      predictive: { leadSeconds: '20s' },
    });
    assert.deepEqual(c.metrics, [
      { name: 'inflight', target: 8 },
      { name: 'p99', target: 300 },
    ]);
    assert.equal(c.syncPeriodSeconds, 5);
    assert.equal(c.warmupSeconds, 60);
    assert.equal(c.blockScaleInWhileWarming, false);
    assert.equal(c.behavior.scaleUp.stabilizationWindowSeconds, 30);
    assert.equal(c.behavior.scaleUp.tolerance, 0.05);
    assert.deepEqual(c.behavior.scaleUp.policies, [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ]);
    assert.equal(c.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.deepEqual(c.behavior.scaleDown.policies, [{ type: 'Percent', value: 10, periodSeconds: 60 }]);
    assert.equal(c.behavior.scaleDown.tolerance, 0.2);
    assert.deepEqual(c.predictive, { enabled: true, windowSeconds: 60, leadSeconds: 20, minSamples: 3 });
  });

  it('min > max is refused, naming both', () => {
    refused({ min: 5, max: 2 }, 'max', /^invalid autoscale config: max = 2; allowed: an integer ≥ min \(5\)$/);
    refused({ minReplicas: 5, maxReplicas: 2 }, 'maxReplicas', /maxReplicas = 2; allowed: an integer ≥ minReplicas \(5\)/);
  });

  it('an unknown metric is refused with the list of metrics', () => {
    refused({ metric: 'memory', target: 1 }, 'metric', /metric = "memory"; allowed: one of inflight, rps, cpu, p99/);
    refused({ metrics: 'inflight=10,qps=5' }, 'metrics[1].name', /"qps"/);
    refused({ metrics: [{ name: 'rps', target: 1 }, { name: 'rps', target: 2 }] }, 'metrics[1].name', /each metric once/);
    refused({ metrics: [] }, 'metrics', /at least one/);
  });

  it('a target ≤ 0 (or not a number) is refused', () => {
    refused({ metric: 'rps', target: 0 }, 'target', /target = 0; allowed: a number > 0/);
    refused({ metric: 'cpu', target: -1 }, 'target', /target = -1/);
    refused({ metric: 'rps' }, 'target', /target = undefined/);
    refused({ metrics: 'p99=fast' }, 'metrics[0].target', /a latency in ms > 0/);
  });

  it('bad durations and numbers are refused with what is allowed', () => {
    refused({ behavior: { scaleDown: { stabilizationWindowSeconds: '5 minutes' } } }, 'behavior.scaleDown.stabilizationWindowSeconds', /"5 minutes"; allowed: a duration in seconds/);
    refused({ behavior: { scaleDown: { stabilizationWindowSeconds: 7200 } } }, 'behavior.scaleDown.stabilizationWindowSeconds', /from 0 to 3600 s/);
    refused({ behavior: { scaleUp: { policies: '4pods/31m' } } }, 'behavior.scaleUp.policies[0].periodSeconds', /from 1 to 1800 s/);
    refused({ behavior: { scaleUp: { policies: 'four pods' } } }, 'behavior.scaleUp.policies[0]', /4pods\/15s/);
    refused({ behavior: { scaleUp: { policies: [{ type: 'Replicas', value: 1, periodSeconds: 15 }] } } }, 'behavior.scaleUp.policies[0].type', /Pods or Percent/);
    refused({ behavior: { scaleUp: { selectPolicy: 'Largest' } } }, 'behavior.scaleUp.selectPolicy', /Max, Min or Disabled/);
    refused({ warmupSeconds: -1 }, 'warmupSeconds', /warmupSeconds = -1/);
    refused({ syncPeriodSeconds: 0 }, 'syncPeriodSeconds', /from 1 to 3600 s/);
    refused({ tolerance: 1.5 }, 'tolerance', /from 0 to below 1/);
    refused({ min: 0 }, 'min', /min = 0; allowed: an integer ≥ 1/);
    refused({ min: 1.5 }, 'min', /an integer/);
    refused({ predictive: 'sometimes' }, 'predictive', /true or false/);
    refused({ predictive: { minSamples: 1 } }, 'predictive.minSamples', /between 2 and 10000/);
  });

  it('unknown fields (typos) are refused', () => {
    refused({ maxReplica: 3 }, 'maxReplica', /one of the fields min, minReplicas/);
    refused({ behavior: { scaleDown: { window: 60 } } }, 'behavior.scaleDown.window', /stabilizationWindowSeconds/);
    refused('min=1', 'autoscale', /an object/);
  });
});

describe('autoscaleConfigFromEnv', () => {
  it('reads AUTOSCALE_* variables', () => {
    const c = autoscaleConfigFromEnv({
      PATH: '/usr/bin',
      AUTOSCALE_MIN: '2',
      AUTOSCALE_MAX: '12',
      AUTOSCALE_METRICS: 'rps=150,p99=250ms',
      AUTOSCALE_DOWN_STABILIZATION: '2m',
      AUTOSCALE_UP_POLICIES: '2pods/30s',
      AUTOSCALE_PREDICTIVE_LEAD: '45s',
    });
    assert.equal(c.minReplicas, 2);
    assert.equal(c.maxReplicas, 12);
    assert.deepEqual(c.metrics.map((m) => m.name), ['rps', 'p99']);
    assert.equal(c.behavior.scaleDown.stabilizationWindowSeconds, 120);
    assert.deepEqual(c.behavior.scaleUp.policies, [{ type: 'Pods', value: 2, periodSeconds: 30 }]);
    assert.equal(c.predictive.enabled, false); // tuning the lead does not turn it on
    assert.equal(c.predictive.leadSeconds, 45);
    assert.equal(autoscaleConfigFromEnv({ AUTOSCALE_PREDICTIVE: 'on' }).predictive.enabled, true);
  });

  it('errors name the variable', () => {
    assert.throws(() => autoscaleConfigFromEnv({ AUTOSCALE_MIN: '4', AUTOSCALE_MAX: '3' }), /^AutoscaleConfigError: invalid autoscale config: AUTOSCALE_MAX \(maxReplicas\) = "3"; allowed: an integer ≥ minReplicas \(4\)$/);
    assert.throws(() => autoscaleConfigFromEnv({ AUTOSCALE_METRICS: 'rps=0' }), /AUTOSCALE_METRICS \(metrics\[0\]\.target\) = "0"/);
    assert.throws(() => autoscaleConfigFromEnv({ AUTOSCALE_MINIMUM: '1' }), /AUTOSCALE_MINIMUM = "1"; allowed: one of the variables AUTOSCALE_MIN/);
  });
});
