import { Counter, Gauge, Histogram, type Registry } from '@scaleout/metrics';
import type { Autoscaler } from './autoscaler.js';

/**
 * `scaleout_autoscaler_*` on the control server's `/metrics`: the counts (current, desired, the plain and
 * predictive recommendations, ready, bounds), each metric's value and target, syncs, changes by direction
 * and result, direction reversals, and how long a change takes to apply.
 */
export function registerAutoscalerMetrics(registry: Registry, scaler: Autoscaler): void {
  const registers = [registry];
  const last = () => scaler.status(1).decisions[0];
  const gauge = (name: string, help: string, value: () => number | null | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const v = value();
        this.reset();
        if (v !== null && v !== undefined) this.set(v);
      },
    });
  gauge('scaleout_autoscaler_current_replicas', 'Web replicas the autoscaler has asked for (the scale target).', () => scaler.current);
  gauge('scaleout_autoscaler_desired_replicas', 'Replicas the last sync decided (after stabilisation, policies and bounds).', () => last()?.desired ?? scaler.current);
  gauge('scaleout_autoscaler_ready_replicas', 'Ready (non-draining) web replicas at the last sync.', () => last()?.ready);
  gauge('scaleout_autoscaler_min_replicas', 'Configured minimum.', () => scaler.config.minReplicas);
  gauge('scaleout_autoscaler_max_replicas', 'Configured maximum.', () => scaler.config.maxReplicas);
  gauge('scaleout_autoscaler_sync_period_seconds', 'Configured sync period.', () => scaler.config.syncPeriodSeconds);
  new Gauge({
    name: 'scaleout_autoscaler_recommended_replicas',
    help: 'The last sync recommendation before stabilisation: mode="plain" (target tracking) or "predictive" (the linear trend).',
    labelNames: ['mode'],
    registers,
    collect() {
      this.reset();
      const d = last();
      if (d?.plain !== null && d?.plain !== undefined) this.set({ mode: 'plain' }, d.plain);
      if (d?.predicted !== null && d?.predicted !== undefined) this.set({ mode: 'predictive' }, d.predicted);
    },
  });
  new Gauge({
    name: 'scaleout_autoscaler_metric_value',
    help: 'Each metric as the last sync saw it: per-replica average over the counted replicas, or p99 at the LBs (ms).',
    labelNames: ['metric'],
    registers,
    collect() {
      this.reset();
      for (const m of last()?.why.metrics ?? []) if (m.value !== null) this.set({ metric: m.metric }, m.value);
    },
  });
  new Gauge({
    name: 'scaleout_autoscaler_metric_target',
    help: 'Each metric target.',
    labelNames: ['metric'],
    registers,
    collect() {
      this.reset();
      for (const m of scaler.config.metrics) this.set({ metric: m.name }, m.target);
    },
  });
  const syncs = new Counter({ name: 'scaleout_autoscaler_syncs_total', help: 'Syncs run (one decision each).', labelNames: ['rule'], registers });
  const changes = new Counter({ name: 'scaleout_autoscaler_scale_events_total', help: 'Replica-count changes settled, by direction and result (done, failed, superseded).', labelNames: ['direction', 'result'], registers });
  const reversals = new Counter({ name: 'scaleout_autoscaler_direction_changes_total', help: 'Changes whose direction differs from the previous change (flapping shows here).', registers });
  const duration = new Histogram({
    name: 'scaleout_autoscaler_scale_duration_seconds',
    help: 'Time to apply a change: replicas started and in the LB pools, or drained and stopped.',
    labelNames: ['direction'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers,
  });
  let lastDirection: string | null = null;
  scaler.on('decision', (d) => syncs.inc({ rule: d.why.rule }));
  scaler.on('change', (c) => {
    if (c.result === 'applying') {
      if (lastDirection && lastDirection !== c.direction) reversals.inc();
      lastDirection = c.direction;
      return;
    }
    changes.inc({ direction: c.direction, result: c.result });
    if (c.durationMs !== undefined) duration.observe({ direction: c.direction }, c.durationMs / 1000);
  });
}
