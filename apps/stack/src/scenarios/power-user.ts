// power-user: one client sends heavy requests (GET /api/heavy: CPU for cpuMs on one replica's event
// loop) among normal users (cheap product reads) through lb1; the same traffic under round robin,
// least connections, and least connections with maxconn 1 and a queue. The deciding figure: the
// normal users' p99 under each policy (the load generator's, coordinated-omission corrected).
import type { LoadResult } from '@scaleout/load';
import { callAdmin } from '../admin-client.js';
import { LB_ADMIN_PORT, LB_HTTP_PORT, stackAddress } from '../stack-spec.js';
import type { ChartSpec, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface PowerUserPlan {
  /** Normal users' requests per second (open model). */
  normalRate: number;
  /** The power user's concurrent requests (closed model). */
  heavyConnections: number;
  /** CPU each heavy request costs its replica. */
  cpuMs: number;
  /** Seconds of traffic per policy. */
  seconds: number;
  /** Seconds of normal traffic after lb1's restart before the measured run (connections, JIT). */
  warmup: number;
}

const plans: { quick: PowerUserPlan; full: PowerUserPlan } = {
  quick: { normalRate: 40, heavyConnections: 1, cpuMs: 250, seconds: 6, warmup: 1 },
  full: { normalRate: 60, heavyConnections: 1, cpuMs: 250, seconds: 40, warmup: 5 },
};

interface Policy {
  id: string;
  label: string;
  env: Record<string, string>;
  powerUser: boolean;
}

const POLICIES: Policy[] = [
  { id: 'reference', label: 'round robin, no power user (reference)', env: { LB_ALGORITHM: 'roundrobin', LB_MAXCONN: '0' }, powerUser: false },
  { id: 'roundrobin', label: 'round robin', env: { LB_ALGORITHM: 'roundrobin', LB_MAXCONN: '0' }, powerUser: true },
  { id: 'leastconn', label: 'least connections', env: { LB_ALGORITHM: 'leastconn', LB_MAXCONN: '0' }, powerUser: true },
  { id: 'leastconn-maxconn', label: 'least connections + maxconn 1 + queue', env: { LB_ALGORITHM: 'leastconn', LB_MAXCONN: '1', LB_QUEUE_SIZE: '256', LB_QUEUE_TIMEOUT: '2s' }, powerUser: true },
];

interface PolicyFigures {
  policy: string;
  label: string;
  /** What lb1 reports after the restart. */
  algorithm: string | null;
  maxconn: number | null;
  startedAt: number;
  normal: { sent: number; completed: number; errors: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; valid: boolean; file: string };
  heavy: { completed: number; errors: number; p50Ms: number; p99Ms: number; file: string } | null;
  /** lb1's attempts per replica during the phase. */
  perReplica: Record<string, number>;
}

async function lbView(ctx: ScenarioContext<PowerUserPlan>): Promise<{ algorithm: string | null; servers: { name: string; state: string; maxconn: number; requests: number }[] }> {
  const base = `http://${stackAddress(ctx.net, 1, 1)}:${LB_ADMIN_PORT}`;
  const pool = await callAdmin(base, ctx.adminToken, { method: 'GET', path: '/api/pools/web', timeoutMs: 1000 });
  if (pool.status !== 200) return { algorithm: null, servers: [] };
  const b = pool.body as { algorithm?: string; servers?: { name: string; state: string; maxconn: number; requests: number }[] };
  return { algorithm: b.algorithm ?? null, servers: b.servers ?? [] };
}

async function run(ctx: ScenarioContext<PowerUserPlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  const sup = ctx.stack.supervisor;
  const webs = sup.status().filter((s) => s.service === 'web').map((s) => s.name);
  const lb = `http://${stackAddress(ctx.net, 1, 1)}:${LB_HTTP_PORT}`;
  const steps: string[] = [
    `Traffic through lb1 (page cache off, so every request reaches a replica; ${webs.length} web replicas): normal users ${p.normalRate} requests/s of GET /api/products/1 (open model); the power user ${p.heavyConnections} request(s) at a time of GET /api/heavy?cpuMs=${p.cpuMs} (${p.cpuMs} ms of CPU on the replica that gets it, closed model).`,
  ];
  const figures: PolicyFigures[] = [];
  const perSecondNormal: { t: number; v: number | null }[][] = [];
  ctx.startClock();
  for (const policy of POLICIES) {
    ctx.mark(policy.id);
    await sup.restart('lb1', { env: policy.env });
    const deadline = Date.now() + 30_000;
    let view = await lbView(ctx);
    while (!(view.servers.length === webs.length && view.servers.every((s) => s.state === 'ready'))) {
      if (Date.now() > deadline) throw new Error(`lb1 did not take every replica after its restart (${JSON.stringify(view.servers.map((s) => [s.name, s.state]))})`);
      await ctx.sleep(200);
      view = await lbView(ctx);
    }
    await ctx.load(`warmup-${policy.id}`, { workload: 'get', url: `${lb}/api/products/1`, rate: { kind: 'constant', rate: p.normalRate }, durationMs: p.warmup * 1000 }).result;
    view = await lbView(ctx);
    const before = Object.fromEntries(view.servers.map((s) => [s.name, s.requests]));
    const normal = ctx.load(`normal-${policy.id}`, { workload: 'get', url: `${lb}/api/products/1`, rate: { kind: 'constant', rate: p.normalRate }, durationMs: p.seconds * 1000, connections: 200 });
    const heavy = policy.powerUser ? ctx.load(`heavy-${policy.id}`, { workload: 'get', url: `${lb}/api/heavy?cpuMs=${p.cpuMs}`, connections: p.heavyConnections, durationMs: p.seconds * 1000 }) : null;
    const startedAt = ctx.now();
    const n: LoadResult = await normal.result;
    const h: LoadResult | null = heavy ? await heavy.result : null;
    const after = await lbView(ctx);
    const offset = startedAt;
    perSecondNormal.push(n.perSecond.map((s) => ({ t: +(offset + s.second).toFixed(1), v: s.completed ? s.p99Ms : null })));
    figures.push({
      policy: policy.id,
      label: policy.label,
      algorithm: after.algorithm,
      maxconn: after.servers[0]?.maxconn ?? null,
      startedAt: +startedAt.toFixed(2),
      normal: { sent: n.sent, completed: n.completed, errors: n.errors, p50Ms: n.latency.p50Ms, p99Ms: n.latency.p99Ms, p999Ms: n.latency.p999Ms, maxMs: n.latency.maxMs, valid: n.generator.valid, file: `normal-${policy.id}.json` },
      heavy: h ? { completed: h.completed, errors: h.errors, p50Ms: h.latency.p50Ms, p99Ms: h.latency.p99Ms, file: `heavy-${policy.id}.json` } : null,
      perReplica: Object.fromEntries(after.servers.map((s) => [s.name, s.requests - (before[s.name] ?? 0)])),
    });
    steps.push(`${policy.label}: restarted lb1 with ${Object.entries(policy.env).map(([k, v]) => `${k}=${v}`).join(' ')} (it reports algorithm ${after.algorithm}, maxconn ${after.servers[0]?.maxconn ?? '?'}), waited until it took every replica, warmed up ${p.warmup} s, ran ${p.seconds} s of traffic${policy.powerUser ? '' : ' without the power user'}.`);
  }

  const table = {
    columns: ['policy', 'normal p50 (ms)', 'normal p99 (ms)', 'normal p99.9 (ms)', 'normal max (ms)', 'normal errors', 'heavy requests done', 'heavy p50 (ms)', "lb1's attempts per replica"],
    rows: figures.map((f) => [
      `${f.label}${f.normal.valid ? '' : ' (not measurable: the generator was late)'}`,
      f.normal.p50Ms,
      f.normal.p99Ms,
      f.normal.p999Ms,
      f.normal.maxMs,
      f.normal.errors,
      f.heavy?.completed ?? null,
      f.heavy?.p50Ms ?? null,
      Object.entries(f.perReplica).map(([k, v]) => `${k} ${v}`).join(', '),
    ]),
  };

  const by = Object.fromEntries(figures.map((f) => [f.policy, f]));
  const ref = by.reference!;
  const rr = by.roundrobin!;
  const ranked = figures.filter((f) => f.policy !== 'reference').sort((a, b) => a.normal.p99Ms - b.normal.p99Ms);
  const best = ranked[0]!;
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
  const conclusion: string[] = [
    `Without the power user the normal users' p99 was ${ref.normal.p99Ms.toFixed(1)} ms. With it, under round robin, it was ${rr.normal.p99Ms.toFixed(1)} ms (${x(rr.normal.p99Ms, ref.normal.p99Ms)} the reference)${rr.normal.p99Ms > 2 * ref.normal.p99Ms ? `: round robin keeps sending normal requests to the replica busy with a ${ctx.plan.cpuMs} ms request, and they wait behind it` : ''}.`,
    ...ranked.filter((f) => f.policy !== 'roundrobin').map((f) => `${f.label}: p99 ${f.normal.p99Ms.toFixed(1)} ms, ${f.normal.p99Ms < rr.normal.p99Ms ? `${x(rr.normal.p99Ms, f.normal.p99Ms)} better than round robin` : `${x(f.normal.p99Ms, rr.normal.p99Ms)} of round robin's (no better)`}, ${x(f.normal.p99Ms, ref.normal.p99Ms)} the reference.`),
    `Best policy for the normal users here: ${best.label} (p99 ${best.normal.p99Ms.toFixed(1)} ms).`,
  ];
  const notMeasurable = figures.filter((f) => !f.normal.valid);
  if (notMeasurable.length) conclusion.push(`Careful: the load generator marked ${notMeasurable.map((f) => f.label).join(', ')} as not measurable (it was itself late on this machine); those figures are upper bounds.`);
  const errs = figures.filter((f) => f.normal.errors > 0);
  if (errs.length) conclusion.push(`Normal users got errors under ${errs.map((f) => `${f.label} (${f.normal.errors})`).join(', ')}.`);

  const marks = ctx.marks();
  const charts: ChartSpec[] = [
    {
      id: 'normal-p99',
      title: "Normal users' p99 per second under each policy (load generator, CO-corrected)",
      yLabel: 'ms',
      series: figures.map((f, i) => ({ label: f.policy, points: perSecondNormal[i]! })),
      marks,
    },
    {
      id: 'web-rps',
      title: "The stack's own figures (observatory): requests/s served by each web replica",
      yLabel: 'requests/s',
      series: webs.map((w) => ({ label: w, points: ctx.samples().filter((s) => s.t >= 0).map((s) => ({ t: +s.t.toFixed(1), v: s.figures.instances.find((i) => i.name === w)?.rps ?? null })) })),
      marks,
    },
  ];
  return { steps, table, conclusion, charts, figures: { policies: figures } };
}

export const powerUser: Scenario<PowerUserPlan> = {
  name: 'power-user',
  description: "one client sends heavy requests among normal users: round robin vs least connections vs least connections with maxconn and a queue; the normal users' p99 under each.",
  net: '127.133',
  webReplicas: 3,
  serviceEnv: { lb: { LB_CACHE: 'false' } },
  plans,
  run,
};
