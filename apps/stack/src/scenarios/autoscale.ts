// autoscale: the same load ramp (up, hold, down) with a fixed replica count provisioned for the peak,
// then with the autoscaler's plain target tracking (HPA maths), then with its predictive step on (each
// autoscaler built for its phase on the scenario's stack, from the same config but `predictive`). The
// deciding figures: replica-seconds spent, SLO violations (seconds whose p99 at the page was above the
// target), failed requests.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseAutoscaleConfig } from '@scaleout/autoscale';
import type { LoadResult, RateSpec } from '@scaleout/load';
import { createLogger } from '@scaleout/service';
import type { Autoscaler, ScaleChange } from '../autoscaler/autoscaler.js';
import { stackAutoscaler } from '../autoscaler/stack-autoscaler.js';
import { LB_HTTP_PORT, stackAddress } from '../stack-spec.js';
import { waitLbPool } from './phase-figures.js';
import type { ChartSpec, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface AutoscalePlan {
  /** The ramp: [second, requests/s] corners, linear in between, sent as 1 s steps (open model). */
  curve: [number, number][];
  min: number;
  max: number;
  /** The fixed phase's replicas (provisioned for the peak). */
  fixed: number;
  /** Target requests/s per replica. */
  targetRps: number;
  /** SLO: p99 at the page per second. */
  sloMs: number;
  syncSeconds: number;
  warmupSeconds: number;
  downWindowSeconds: number;
  predictive: { windowSeconds: number; leadSeconds: number };
}

const plans: { quick: AutoscalePlan; full: AutoscalePlan } = {
  quick: {
    curve: [[0, 20], [10, 150], [15, 150], [20, 20]],
    min: 1, max: 4, fixed: 4, targetRps: 40, sloMs: 100, syncSeconds: 2, warmupSeconds: 2, downWindowSeconds: 4,
    predictive: { windowSeconds: 8, leadSeconds: 4 },
  },
  full: {
    curve: [[0, 20], [40, 200], [55, 200], [80, 20], [90, 20]],
    min: 1, max: 5, fixed: 5, targetRps: 40, sloMs: 100, syncSeconds: 3, warmupSeconds: 3, downWindowSeconds: 10,
    predictive: { windowSeconds: 15, leadSeconds: 6 },
  },
};

export function rampSteps(curve: [number, number][]): RateSpec {
  const out: { rate: number; forMs: number }[] = [];
  for (let i = 0; i + 1 < curve.length; i++) {
    const [t0, r0] = curve[i]!;
    const [t1, r1] = curve[i + 1]!;
    for (let t = t0; t < t1; t++) out.push({ rate: +(r0 + ((r1 - r0) * (t + 0.5 - t0)) / (t1 - t0)).toFixed(2), forMs: 1000 });
  }
  return { kind: 'steps', steps: out };
}

type Mode = 'fixed' | 'target' | 'predictive';
const LABEL: Record<Mode, string> = { fixed: 'fixed replicas', target: 'target tracking', predictive: 'target tracking + predictive' };

export interface AutoscalePhase {
  mode: Mode;
  label: string;
  startedAt: number;
  endedAt: number;
  file: string;
  sent: number;
  completed: number;
  failed: number;
  p99Ms: number;
  /** Seconds of the load whose p99 was above the SLO. */
  sloViolations: number;
  seconds: number;
  /** Σ running web replicas × time over the load (the supervisor's count, polled every 250 ms). */
  replicaSeconds: number;
  peakReplicas: number;
  scaleChanges: { atSecond: number; from: number; to: number }[];
  valid: boolean;
}

const webCount = (ctx: ScenarioContext<AutoscalePlan>) => ctx.stack.supervisor.status().filter((s) => s.service === 'web' && s.state !== 'stopped').length;

async function settleAt(ctx: ScenarioContext<AutoscalePlan>, n: number): Promise<void> {
  if (webCount(ctx) !== n) await ctx.stack.supervisor.scale('web', n);
  for (const lb of [1, 2]) await waitLbPool(ctx, lb, n);
}

async function runPhase(ctx: ScenarioContext<AutoscalePlan>, mode: Mode, replicasLine: { t: number; v: number | null }[], p99Line: { t: number; v: number | null }[]): Promise<AutoscalePhase> {
  const p = ctx.plan;
  await settleAt(ctx, mode === 'fixed' ? p.fixed : p.min);
  let scaler: Autoscaler | null = null;
  const changes: ScaleChange[] = [];
  if (mode !== 'fixed') {
    const config = parseAutoscaleConfig({
      min: p.min,
      max: p.max,
      metric: 'rps',
      target: p.targetRps,
      syncPeriodSeconds: p.syncSeconds,
      warmupSeconds: p.warmupSeconds,
      behavior: { scaleUp: { policies: `2pods/${p.syncSeconds}s` }, scaleDown: { stabilizationWindowSeconds: p.downWindowSeconds, policies: `1pods/${p.syncSeconds}s` } },
      predictive: mode === 'predictive' ? { windowSeconds: p.predictive.windowSeconds, leadSeconds: p.predictive.leadSeconds, minSamples: 3 } : false,
    });
    const logger = createLogger({ service: 'stack', instance: `autoscaler-${mode}`, destination: createWriteStream(join(ctx.outDir, `autoscaler-${mode}.log`), { flags: 'a' }) as never });
    scaler = stackAutoscaler({ config, supervisor: ctx.stack.supervisor, observatory: ctx.stack.observatory, initialReplicas: p.min, logger });
    scaler.on('change', (c) => {
      if (!changes.some((x) => x.atMs === c.atMs && x.from === c.from && x.to === c.to)) changes.push(c);
    });
  }
  ctx.mark(mode);
  const load = ctx.load(`ramp-${mode}`, { workload: 'get', url: `http://${stackAddress(ctx.net, 1, 1)}:${LB_HTTP_PORT}/api/products/1`, rate: rampSteps(p.curve), durationMs: p.curve[p.curve.length - 1]![0] * 1000, connections: 400, timeoutMs: 5000 });
  scaler?.start();
  const startedAt = ctx.now();
  let replicaMs = 0;
  let peak = 0;
  let last = Date.now();
  let done = false;
  const poll = (async () => {
    while (!done) {
      await ctx.sleep(250);
      const n = webCount(ctx);
      const now = Date.now();
      replicaMs += n * (now - last);
      last = now;
      peak = Math.max(peak, n);
      replicasLine.push({ t: +ctx.now().toFixed(2), v: n });
    }
  })();
  const r: LoadResult = await load.result;
  done = true;
  await poll;
  const endedAt = ctx.now();
  await scaler?.stop();
  const loadStart = startedAt;
  for (const sec of r.perSecond) p99Line.push({ t: +(startedAt + sec.second).toFixed(1), v: sec.completed ? sec.p99Ms : null });
  return {
    mode,
    label: LABEL[mode],
    startedAt: +startedAt.toFixed(2),
    endedAt: +endedAt.toFixed(2),
    file: `ramp-${mode}.json`,
    sent: r.sent,
    completed: r.completed,
    failed: r.errors,
    p99Ms: r.latency.p99Ms,
    sloViolations: r.perSecond.filter((s) => s.completed > 0 && s.p99Ms > p.sloMs).length,
    seconds: r.perSecond.length,
    replicaSeconds: +(replicaMs / 1000).toFixed(1),
    peakReplicas: peak,
    scaleChanges: changes.map((c) => ({ atSecond: +((c.atMs - Date.now()) / 1000 + ctx.now() - loadStart).toFixed(1), from: c.from, to: c.to })),
    valid: r.generator.valid,
  };
}

async function run(ctx: ScenarioContext<AutoscalePlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  ctx.startClock();
  const line: { t: number; v: number | null }[] = [];
  const phases: AutoscalePhase[] = [];
  const p99s: { t: number; v: number | null }[][] = [];
  for (const mode of ['fixed', 'target', 'predictive'] as const) {
    const p99Line: { t: number; v: number | null }[] = [];
    phases.push(await runPhase(ctx, mode, line, p99Line));
    p99s.push(p99Line);
  }
  await settleAt(ctx, p.min);
  const peakRate = Math.max(...p.curve.map((c) => c[1]));
  const steps = [
    `The same ramp three times through lb1 (GET /api/products/1, page cache off, open model): ${p.curve.map(([t, r]) => `${r} requests/s at ${t} s`).join(', ')}, linear in between.`,
    `Fixed: ${p.fixed} web replicas (enough for the peak of ${peakRate} requests/s at ${p.targetRps} per replica), no autoscaler.`,
    `Target tracking: from ${p.min} replica(s), the autoscaler (HPA maths) on requests/s per replica, target ${p.targetRps}, min ${p.min}, max ${p.max}, sync every ${p.syncSeconds} s, warm-up ${p.warmupSeconds} s, up at most 2 replicas per sync, down 1 per sync after a ${p.downWindowSeconds} s stabilisation window.`,
    `Predictive: the same, plus the linear trend of the last ${p.predictive.windowSeconds} s evaluated ${p.predictive.leadSeconds} s ahead.`,
    `SLO: p99 at the page ≤ ${p.sloMs} ms in each second (the load generator's per-second p99, coordinated-omission corrected).`,
  ];
  const table = {
    columns: ['mode', 'requests done', 'failed', 'p99 (ms)', `seconds with p99 > ${p.sloMs} ms`, 'replica-seconds', 'peak replicas', 'scale changes'],
    rows: phases.map((f) => [f.label, f.completed, f.failed, f.p99Ms, `${f.sloViolations} of ${f.seconds}`, f.replicaSeconds, f.peakReplicas, f.scaleChanges.map((c) => `${c.from}→${c.to}`).join(' ') || 'none']),
  };
  const [fixed, target, pred] = phases as [AutoscalePhase, AutoscalePhase, AutoscalePhase];
  const saved = (f: AutoscalePhase) => (fixed.replicaSeconds > 0 ? `${(((fixed.replicaSeconds - f.replicaSeconds) / fixed.replicaSeconds) * 100).toFixed(0)}%` : 'n/a');
  const conclusion: string[] = [
    `Fixed at ${p.fixed} replicas the ramp cost ${fixed.replicaSeconds} replica-seconds with ${fixed.sloViolations} second(s) over the SLO and ${fixed.failed} failed requests.`,
    ...[target, pred].map(
      (f) =>
        `${f.label}: ${f.replicaSeconds} replica-seconds (${f.replicaSeconds < fixed.replicaSeconds ? `${saved(f)} fewer than fixed` : 'no saving over fixed'}), ${f.sloViolations} second(s) over the SLO${f.sloViolations > fixed.sloViolations ? ` (${f.sloViolations - fixed.sloViolations} more than fixed: capacity arrived after the load)` : ''}, ${f.failed} failed requests, peak ${f.peakReplicas} replicas.`,
    ),
  ];
  if (pred.sloViolations < target.sloViolations) conclusion.push(`The predictive step met the ramp earlier: ${target.sloViolations - pred.sloViolations} fewer second(s) over the SLO than plain target tracking, for ${(pred.replicaSeconds - target.replicaSeconds).toFixed(1)} more replica-seconds.`);
  else if (pred.sloViolations === target.sloViolations) conclusion.push(`The predictive step made no difference to the SLO here (${pred.sloViolations} second(s) over it in both), ${pred.replicaSeconds >= target.replicaSeconds ? `for ${(pred.replicaSeconds - target.replicaSeconds).toFixed(1)} more` : `with ${(target.replicaSeconds - pred.replicaSeconds).toFixed(1)} fewer`} replica-seconds.`);
  else conclusion.push(`The predictive step did worse than plain target tracking on the SLO (${pred.sloViolations} vs ${target.sloViolations} seconds over it).`);
  const failedScaling = phases.filter((f) => f.mode !== 'fixed' && f.failed > fixed.failed);
  if (failedScaling.length) conclusion.push(`Scaling cost requests: ${failedScaling.map((f) => `${f.label} ${f.failed}`).join(', ')} failed against ${fixed.failed} at a fixed count.`);
  if (phases.some((f) => !f.valid)) conclusion.push('The load generator was itself late in some phase; its latencies are upper bounds.');

  const marks = ctx.marks();
  const charts: ChartSpec[] = [
    { id: 'replicas', title: 'Web replicas running (supervisor)', yLabel: 'replicas', series: [{ label: 'web replicas', points: line }], marks },
    { id: 'p99', title: `p99 at the page per second (SLO ${p.sloMs} ms)`, yLabel: 'ms', series: phases.map((f, i) => ({ label: f.mode, points: p99s[i]! })), marks },
  ];
  return { steps, table, conclusion, charts, figures: { phases, sloMs: p.sloMs } };
}

export const autoscale: Scenario<AutoscalePlan> = {
  name: 'autoscale',
  description: 'the same load ramp with fixed replicas, target tracking and predictive autoscaling: replica-seconds spent, SLO violations, failed requests.',
  net: '127.138',
  webReplicas: 1,
  serviceEnv: { lb: { LB_CACHE: 'false' } },
  plans,
  run,
};
