// db-failover: a write load through both db-proxies; a planned switchover of the writer, then kill -9
// of the writing master. Per event: acknowledged writes, errors, the write outage (longest time with
// no acknowledged write), acknowledged writes lost (every acknowledged id looked up afterwards directly
// on the surviving server, not through the proxies), and read-your-writes violations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callAdmin } from '../admin-client.js';
import { DB_PORT, PROXY_ADMIN_PORT, PROXY_PORT, stackAddress } from '../stack-spec.js';
import type { ChartSpec, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';
import { SqlWriter, createWritesTable, idsOn, type WriteRecord } from './sql-writer.js';

export interface DbFailoverPlan {
  /** Writer loops (spread over proxy1 and proxy2). */
  workers: number;
  /** Pause between a worker's writes (ms). */
  pauseMs: number;
  baseline: number;
  /** Seconds watched after the switchover and after the kill. */
  observe: number;
}

const plans: { quick: DbFailoverPlan; full: DbFailoverPlan } = {
  quick: { workers: 4, pauseMs: 10, baseline: 3, observe: 8 },
  full: { workers: 8, pauseMs: 5, baseline: 15, observe: 30 },
};

interface EventFigures {
  event: string;
  atSeconds: number;
  windowSeconds: number;
  writerBefore: string | null;
  writerAfter: string | null;
  acknowledged: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** Longest time (s) in the window with no acknowledged write, from the event on. */
  outageSeconds: number;
  /** Acknowledged in the window but absent from the surviving server. */
  lost: number;
  readYourWritesViolations: number;
  /** What the proxy reported for a switchover. */
  proxyReportedMs?: number | null;
}

async function writerOf(net: string, token: string): Promise<string | null> {
  for (const n of [1, 2]) {
    const a = await callAdmin(`http://${stackAddress(net, 5, n)}:${PROXY_ADMIN_PORT}`, token, { method: 'GET', path: '/api/writer', timeoutMs: 1000 });
    if (a.status === 200) return (a.body as { writer: string | null }).writer;
  }
  return null;
}

async function waitWriter(ctx: ScenarioContext<DbFailoverPlan>, not: string | null, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const w = await writerOf(ctx.net, ctx.adminToken);
    if (w && w !== not) return w;
    if (Date.now() > deadline) throw new Error(`no writer other than ${not} after ${ms / 1000} s`);
    await ctx.sleep(200);
  }
}

const dbAddress = (net: string, name: string) => `${stackAddress(net, 6, Number(name.replace(/\D/g, '')))}:${DB_PORT}`;

function longestGap(acks: number[], fromMs: number, toMs: number): number {
  let prev = fromMs;
  let gap = 0;
  for (const a of acks) {
    if (a <= fromMs) continue;
    if (a > toMs) break;
    gap = Math.max(gap, a - prev);
    prev = a;
  }
  return Math.max(gap, toMs - prev) / 1000;
}

function perSecond(records: WriteRecord[], zero: number, pick: (r: WriteRecord) => number | undefined): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of records) {
    const at = pick(r);
    if (at === undefined) continue;
    const t = Math.ceil((at - zero) / 1000);
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  return m;
}

async function run(ctx: ScenarioContext<DbFailoverPlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  const proxies = [1, 2].map((n) => `${stackAddress(ctx.net, 5, n)}:${PROXY_PORT}`);
  await createWritesTable(proxies[0]!);
  const steps: string[] = [`Created table scenario_writes through proxy1; started ${p.workers} writer loops (autocommit INSERT with an id of their own, then a read of it on the same session, ${p.pauseMs} ms pause), half through proxy1, half through proxy2.`];
  const writer = new SqlWriter({ endpoints: proxies, workers: p.workers, pauseMs: p.pauseMs });
  const first = await waitWriter(ctx, null);
  writer.start();
  ctx.startClock();
  ctx.mark('writes started', 0);
  const events: { event: string; at: number; end: number; before: string | null; after: string | null; proxyMs?: number | null }[] = [];
  try {
    await ctx.until(p.baseline);
    const other = first === 'db1' ? 'db2' : 'db1';
    let at = ctx.mark(`switchover ${first}→${other}`);
    const sw = await callAdmin(`http://${stackAddress(ctx.net, 5, 1)}:${PROXY_ADMIN_PORT}`, ctx.adminToken, { method: 'POST', path: '/api/switchover', body: { to: other }, timeoutMs: 60_000 });
    if (sw.status !== 200) throw new Error(`switchover answered ${sw.status}: ${JSON.stringify(sw.body)}`);
    const afterSw = await waitWriter(ctx, first);
    await ctx.until(at + p.observe);
    events.push({ event: 'switchover (planned)', at, end: ctx.now(), before: first, after: afterSw, proxyMs: (sw.body as { durationMs?: number }).durationMs ?? null });
    steps.push(`After ${p.baseline} s: switchover of the writer from ${first} to ${other} (POST /api/switchover on proxy1); watched ${p.observe} s.`);

    at = ctx.mark(`kill -9 ${afterSw} (the writer)`);
    await ctx.stack.supervisor.kill(afterSw);
    const afterKill = await waitWriter(ctx, afterSw);
    await ctx.until(at + p.observe);
    events.push({ event: 'kill -9 of the writing master', at, end: ctx.now(), before: afterSw, after: afterKill });
    steps.push(`kill -9 ${afterSw} (the writer); the proxies failed over to ${afterKill}; watched ${p.observe} s; then stopped the writers.`);
  } finally {
    await writer.stop();
  }
  const survivor = await waitWriter(ctx, null);
  const present = await idsOn(dbAddress(ctx.net, survivor));
  steps.push(`Read every id of scenario_writes directly on ${survivor} (${dbAddress(ctx.net, survivor)}, not through a proxy) and looked up each acknowledged write.`);

  const zero = Date.now() - ctx.now() * 1000;
  const recs = writer.records;
  // The raw records (what each client was told), so a reader can check the figures against the database.
  writeFileSync(join(ctx.outDir, 'writes.json'), JSON.stringify({ zero, survivor, records: recs }) + '\n');
  const acks = recs.filter((r) => r.ackAt !== undefined).map((r) => r.ackAt!).sort((a, b) => a - b);
  const lostIds = recs.filter((r) => r.ackAt !== undefined && !present.has(r.id));
  const figures: EventFigures[] = events.map((e) => {
    const fromMs = zero + e.at * 1000;
    const toMs = zero + e.end * 1000;
    const inWin = (t?: number) => t !== undefined && t > fromMs && t <= toMs;
    const errs = recs.filter((r) => inWin(r.errorAt));
    const byCode: Record<string, number> = {};
    for (const r of errs) byCode[r.error!] = (byCode[r.error!] ?? 0) + 1;
    return {
      event: e.event,
      atSeconds: e.at,
      windowSeconds: +(e.end - e.at).toFixed(2),
      writerBefore: e.before,
      writerAfter: e.after,
      acknowledged: recs.filter((r) => inWin(r.ackAt)).length,
      errors: errs.length,
      errorsByCode: byCode,
      outageSeconds: +longestGap(acks, fromMs, toMs).toFixed(3),
      lost: lostIds.filter((r) => inWin(r.ackAt)).length,
      readYourWritesViolations: recs.filter((r) => inWin(r.ackAt) && r.readMissing).length,
      ...(e.proxyMs !== undefined ? { proxyReportedMs: e.proxyMs } : {}),
    };
  });
  const baselineGap = longestGap(acks, zero, zero + (events[0]?.at ?? 0) * 1000);
  const totals = {
    sent: recs.length,
    acknowledged: acks.length,
    errors: recs.filter((r) => r.errorAt !== undefined).length,
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 20).map((r) => r.id),
    committedDespiteError: recs.filter((r) => r.errorAt !== undefined && present.has(r.id)).length,
    rowsOnSurvivor: present.size,
    survivor,
    readYourWritesViolations: recs.filter((r) => r.readMissing).length,
    baselineLongestGapSeconds: +baselineGap.toFixed(3),
  };

  const table = {
    columns: ['event', 'writer', 'writes acknowledged in window', 'errors', 'write outage (longest gap without an ack)', 'acknowledged writes lost', 'read-your-writes violations'],
    rows: [
      ['baseline (before any event)', first, recs.filter((r) => r.ackAt !== undefined && r.ackAt <= zero + (events[0]?.at ?? 0) * 1000).length, 0, `${baselineGap.toFixed(3)} s`, lostIds.filter((r) => r.ackAt! <= zero + (events[0]?.at ?? 0) * 1000).length, null] as (string | number | null)[],
      ...figures.map((f) => [
        `${f.event} at ${f.atSeconds.toFixed(1)} s`,
        `${f.writerBefore} → ${f.writerAfter}`,
        f.acknowledged,
        f.errors ? `${f.errors} (${Object.entries(f.errorsByCode).map(([k, v]) => `${k} ${v}`).join(', ')})` : 0,
        `${f.outageSeconds.toFixed(3)} s`,
        f.lost,
        f.readYourWritesViolations,
      ]),
      ['whole run', `${first} → ${survivor}`, totals.acknowledged, totals.errors, '—', totals.lost, totals.readYourWritesViolations],
    ],
  };

  const conclusion: string[] = [];
  const sw = figures[0];
  const fo = figures[1];
  conclusion.push(
    totals.lost === 0
      ? `No acknowledged write was lost: all ${totals.acknowledged} acknowledged ids are on ${survivor}, read directly on the server after the run.`
      : `${totals.lost} of ${totals.acknowledged} acknowledged writes are missing on ${survivor} (first ids: ${totals.lostIds.join(', ')}): an acknowledgement did not mean durable on the survivor.`,
  );
  if (sw && fo) {
    conclusion.push(
      `The planned switchover stopped writes for at most ${sw.outageSeconds.toFixed(2)} s with ${sw.errors} errors; the crash of the writer stopped them for ${fo.outageSeconds.toFixed(2)} s with ${fo.errors} errors — ${fo.outageSeconds > sw.outageSeconds ? `${(fo.outageSeconds / Math.max(sw.outageSeconds, 0.001)).toFixed(1)}× longer` : 'no longer'}, the time the proxies need to declare the writer dead, agree and promote the other master (statements are held meanwhile rather than refused).`,
    );
  }
  if (sw && sw.outageSeconds <= baselineGap) conclusion.push(`The switchover's longest gap (${sw.outageSeconds.toFixed(3)} s) is no longer than the ordinary gaps before it (${baselineGap.toFixed(3)} s): in the write stream it cannot be told apart from normal traffic.`);
  if (fo && fo.errors > 0) conclusion.push(`The ${fo.errors} errors of the crash are the statements that were in flight on the dying writer (${Object.keys(fo.errorsByCode).join(', ')}); the clients retried nothing, they saw the error.`);
  if (totals.committedDespiteError > 0) conclusion.push(`${totals.committedDespiteError} writes that got an error were committed anyway (the client cannot tell): retries need idempotency keys.`);
  conclusion.push(
    totals.readYourWritesViolations === 0
      ? 'Every acknowledged write was visible to the next read on the same session (read-your-writes held through both events).'
      : `${totals.readYourWritesViolations} reads on the same session did not see the write just acknowledged (read-your-writes violated).`,
  );
  conclusion.push(`Baseline: the longest gap between acknowledged writes before any event was ${baselineGap.toFixed(3)} s, so gaps above it are the events' doing.`);

  const marks = ctx.marks();
  const ackPs = perSecond(recs, zero, (r) => r.ackAt);
  const errPs = perSecond(recs, zero, (r) => r.errorAt);
  const last = Math.ceil(ctx.now());
  const range = Array.from({ length: last + 1 }, (_, i) => i);
  const latencyBySecond = new Map<number, number[]>();
  for (const r of recs) if (r.ackAt) {
    const t = Math.ceil((r.ackAt - zero) / 1000);
    latencyBySecond.set(t, [...(latencyBySecond.get(t) ?? []), r.ackAt - r.sentAt]);
  }
  const maxOf = (xs?: number[]) => (xs && xs.length ? Math.max(...xs) : null);
  const charts: ChartSpec[] = [
    {
      id: 'writes',
      title: 'Acknowledged writes and errors per second (all writer loops)',
      yLabel: 'writes/s',
      series: [
        { label: 'acknowledged/s', points: range.map((t) => ({ t, v: ackPs.get(t) ?? 0 })) },
        { label: 'errors/s', points: range.map((t) => ({ t, v: errPs.get(t) ?? 0 })) },
      ],
      marks,
    },
    {
      id: 'write-latency',
      title: 'Slowest acknowledged write per second (a held statement waits for the new writer)',
      yLabel: 'ms',
      series: [{ label: 'max write latency', points: range.map((t) => ({ t, v: maxOf(latencyBySecond.get(t)) })) }],
      marks,
    },
    {
      id: 'proxy-qps',
      title: "The stack's own figures (observatory): queries/s relayed by the db-proxies",
      yLabel: 'queries/s',
      series: [{ label: 'db-proxy queries/s', points: ctx.samples().map((s) => ({ t: +s.t.toFixed(1), v: s.figures.headline.dbQps })) }],
      marks,
    },
  ];
  return { steps, table, conclusion, charts, figures: { events: figures, totals } };
}

export const dbFailover: Scenario<DbFailoverPlan> = {
  name: 'db-failover',
  description: 'a write load through both db-proxies; a planned switchover of the writer, then kill -9 of the writing master: acknowledged writes lost (checked on the surviving server), write outage, read-your-writes.',
  net: '127.132',
  webReplicas: 1,
  plans,
  run,
};
