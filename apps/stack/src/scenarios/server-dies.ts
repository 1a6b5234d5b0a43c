// server-dies: kill -9 one web replica under load, then pause one (a hung server), then kill an LB.
// Per fault: failed requests (the load generator's count), requests the LBs retried on another
// replica, how long until the LBs stopped sending to the dead one (and marked it down), and for the
// LB how long until DNS stopped answering it and how long clients kept failing.
import type { IntervalStats, LoadResult } from '@scaleout/load';
import { DNS_PORT, LB_HTTP_PORT, STACK_ZONE, controlHost } from '../stack-spec.js';
import type { ChartSpec, FigureSample, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';
import { StackWatch } from './stack-watch.js';

export interface ServerDiesPlan {
  /** Shop journeys per second (open model, through DNS and both LBs). */
  rate: number;
  /** Seconds of load before the first fault. */
  baseline: number;
  /** Seconds each web fault is watched before the next step. */
  observe: number;
  /** Seconds the LB fault is watched (the DNS TTL is 30 s: clients keep a dead LB's address that long). */
  lbObserve: number;
  /** Full plan: bring each victim back (and wait until the LBs take it again) before the next fault. */
  restoreBetween: boolean;
  /** Members signed in before the clock starts. */
  users: number;
}

interface FaultWindow {
  fault: string;
  victim: string;
  /** Scenario seconds. */
  at: number;
  end: number;
}

export interface FaultFigures {
  fault: string;
  victim: string;
  atSeconds: number;
  windowSeconds: number;
  /** Requests the load generator sent whose completion fell in the window. */
  completed: number;
  failed: number;
  failedByKind: Record<string, number>;
  /** Requests the LBs retried after they failed on the victim. */
  retried: number | null;
  /** Seconds from the fault until each LB last sent a request to the victim. */
  lastSentAfter: Record<string, number | null>;
  /** Seconds from the fault until each LB marked the victim down. */
  markedDownAfter: Record<string, number | null>;
  /** LB faults: seconds until DNS stopped answering the victim. */
  dnsDroppedAfter?: number | null;
  /** Seconds from the fault to the end of the last second with a failure (clients kept failing). */
  failingFor: number | null;
  /** The last second of the window still had failures (failingFor is then a lower bound). */
  stillFailingAtEnd: boolean;
}

/** The load generator's per-request timeout (its default, said here because the windows depend on it). */
const CLIENT_TIMEOUT_S = 5;

/** The LBs without their retries and passive ejection (active health checks stay on). */
const NO_RETRIES = { LB_RETRIES: '0', LB_EJECT_CONSECUTIVE: '0' };

const plans: { quick: ServerDiesPlan; full: ServerDiesPlan } = {
  quick: { rate: 15, baseline: 3, observe: 4, lbObserve: 6, restoreBetween: false, users: 20 },
  full: { rate: 20, baseline: 10, observe: 20, lbObserve: 40, restoreBetween: true, users: 100 },
};

/**
 * Errors and completions of the load's seconds that belong to the window (from, to] (scenario seconds =
 * load seconds): second s covers (s-1, s] and belongs to the window holding its middle, so adjacent
 * windows never share a second.
 */
function inWindow(perSecond: IntervalStats[], from: number, to: number) {
  const secs = perSecond.filter((s) => s.second - 0.5 > from && s.second - 0.5 <= to);
  const byKind: Record<string, number> = {};
  for (const s of secs) for (const [k, v] of Object.entries(s.errorsByKind)) if (v) byKind[k] = (byKind[k] ?? 0) + v;
  const failing = secs.filter((s) => s.errors > 0);
  return { completed: secs.reduce((a, s) => a + s.completed, 0), failed: secs.reduce((a, s) => a + s.errors, 0), byKind, lastFailingSecond: failing.length ? failing[failing.length - 1]!.second : null };
}

const seconds = (ms: number | null, fromMs: number) => (ms === null ? null : +((ms - fromMs) / 1000).toFixed(2));
const fmtS = (v: number | null | undefined) => (v === null || v === undefined ? 'never (in the window)' : `${v.toFixed(1)} s`);

async function waitFor(ctx: ScenarioContext<ServerDiesPlan>, what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await ctx.sleep(100);
  }
}

async function run(ctx: ScenarioContext<ServerDiesPlan>): Promise<ScenarioOutcome> {
  const p = ctx.plan;
  const sup = ctx.stack.supervisor;
  const watch = new StackWatch(ctx.net, ctx.adminToken);
  const steps: string[] = [];
  const windows: FaultWindow[] = [];
  const lbAddress = (lb: string) => watch.lbHost(lb);
  const takesTraffic = (lb: string, server: string) => () => {
    const last = watch.samples[watch.samples.length - 1];
    return last !== undefined && StackWatch.server(last, lb, server)?.state === 'ready';
  };

  watch.start();
  const total = p.baseline + 3 * p.observe + CLIENT_TIMEOUT_S + p.lbObserve + (p.restoreBetween ? 60 : 40);
  const load = ctx.load('load', {
    workload: 'shop',
    dns: { server: controlHost(ctx.net), port: DNS_PORT, name: `www.${STACK_ZONE}`, httpPort: LB_HTTP_PORT },
    rate: { kind: 'constant', rate: p.rate },
    durationMs: total * 1000,
    timeoutMs: CLIENT_TIMEOUT_S * 1000,
    users: p.users,
  });
  steps.push(`Started shop journeys at ${p.rate}/s (open model, default mix, ${p.users} members) through the stack's DNS and both LBs, ${sup.status().filter((s) => s.service === 'web').length} web replicas.`);
  ctx.startClock(await load.clockAt);
  ctx.mark('load started', 0);

  try {
    // 1. kill -9 web1
    await ctx.until(p.baseline);
    let at = ctx.mark('kill -9 web1');
    await sup.kill('web1');
    await ctx.until(at + p.observe);
    windows.push({ fault: 'kill -9 web replica', victim: 'web1', at, end: ctx.now() });
    steps.push(`After ${p.baseline} s: kill -9 web1 (SIGKILL, not restarted); watched ${p.observe} s.`);
    if (p.restoreBetween) {
      ctx.mark('restart web1');
      await sup.restart('web1');
      await waitFor(ctx, 'both LBs to take web1 again', () => takesTraffic('lb1', 'web1')() && takesTraffic('lb2', 'web1')());
      await ctx.sleep(3000);
      steps.push('Restarted web1 and waited until both LBs sent it traffic again.');
    }

    // 2. SIGSTOP web2 (a hung server)
    at = ctx.mark('SIGSTOP web2');
    await sup.pause('web2');
    // Requests stuck on a hung server fail only when the client gives up: watch past its timeout.
    await ctx.until(at + Math.max(p.observe, CLIENT_TIMEOUT_S + 2));
    ctx.mark('SIGCONT web2');
    await sup.resume('web2');
    windows.push({ fault: 'SIGSTOP web replica (hung)', victim: 'web2', at, end: ctx.now() });
    steps.push(`SIGSTOP web2 (it keeps its sockets but answers nothing) for ${Math.max(p.observe, CLIENT_TIMEOUT_S + 2)} s (the clients time out after ${CLIENT_TIMEOUT_S} s), then SIGCONT.`);
    if (p.restoreBetween) {
      await waitFor(ctx, 'both LBs to take web2 again', () => takesTraffic('lb1', 'web2')() && takesTraffic('lb2', 'web2')());
      await ctx.sleep(3000);
      steps.push('Waited until both LBs sent web2 traffic again.');
    }

    // 3. kill -9 lb2
    at = ctx.mark('kill -9 lb2');
    await sup.kill('lb2');
    const end = at + p.lbObserve;
    await ctx.until(end);
    windows.push({ fault: 'kill -9 LB', victim: 'lb2', at, end });
    steps.push(`kill -9 lb2 (one of the two addresses DNS gives out); watched ${p.lbObserve} s.`);

    // 4. kill -9 web1 again, the LBs' retries and passive checks off (active health checks stay)
    ctx.mark('LBs: retries and passive checks off');
    // One at a time, each back in DNS before the next goes (both at once would be an outage of our own).
    for (const lb of ['lb2', 'lb1']) {
      await sup.restart(lb, { env: NO_RETRIES });
      await waitFor(ctx, `DNS to answer ${lb} again`, () => watch.samples[watch.samples.length - 1]?.dns?.includes(lbAddress(lb)) === true);
    }
    if (sup.get('web1')?.state !== 'running') await sup.restart('web1');
    await waitFor(ctx, 'both LBs to take web1', () => takesTraffic('lb1', 'web1')() && takesTraffic('lb2', 'web1')());
    await ctx.sleep(2000);
    at = ctx.mark('kill -9 web1 (no retries)');
    await sup.kill('web1');
    await ctx.until(at + p.observe);
    windows.push({ fault: 'kill -9 web replica, LB retries and passive checks off', victim: 'web1', at, end: ctx.now() });
    steps.push(`Restarted the LBs one at a time (each back in DNS before the next) with ${Object.entries(NO_RETRIES).map(([k, v]) => `${k}=${v}`).join(' ')} (active health checks unchanged)${p.restoreBetween ? '' : ' and web1'}, waited until they sent web1 traffic, then kill -9 web1 again; watched ${p.observe} s; then stopped the load.`);
  } finally {
    load.run.stop();
    watch.stop();
  }
  const result: LoadResult = await load.result;
  const zero = ctx.now() * -1000 + Date.now();

  const faults: FaultFigures[] = windows.map((w) => {
    const fromMs = zero + w.at * 1000;
    const toMs = zero + w.end * 1000;
    const win = inWindow(result.perSecond, w.at, w.end);
    const isLb = w.victim.startsWith('lb');
    const lbs = isLb ? [] : ['lb1', 'lb2'];
    return {
      fault: w.fault,
      victim: w.victim,
      atSeconds: w.at,
      windowSeconds: +(w.end - w.at).toFixed(2),
      completed: win.completed,
      failed: win.failed,
      failedByKind: win.byKind,
      retried: isLb ? null : watch.growth(w.victim, 'retries', fromMs, toMs),
      // no attempt after the fault at all: it stopped at once (0 s)
      lastSentAfter: Object.fromEntries(lbs.map((lb) => [lb, seconds(watch.lastAttempt(lb, w.victim, fromMs, toMs), fromMs) ?? 0])),
      markedDownAfter: Object.fromEntries(lbs.map((lb) => [lb, seconds(watch.markedDown(lb, w.victim, fromMs, toMs), fromMs)])),
      ...(isLb ? { dnsDroppedAfter: seconds(watch.dnsDropped(lbAddress(w.victim), fromMs), fromMs) } : {}),
      failingFor: win.lastFailingSecond === null ? null : +(win.lastFailingSecond - w.at).toFixed(2),
      stillFailingAtEnd: win.lastFailingSecond !== null && win.lastFailingSecond - 0.5 > w.end - 1,
    };
  });

  const table = {
    columns: ['fault', 'journeys completed in window', 'failed requests (= failed journeys)', 'failed by kind', 'retried by the LBs', 'LBs stopped sending after', 'marked down after', 'DNS dropped it after', 'clients failing for'],
    rows: faults.map((f) => [
      `${f.fault} (${f.victim} at ${f.atSeconds.toFixed(1)} s)`,
      f.completed,
      f.failed,
      Object.entries(f.failedByKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none',
      f.retried,
      Object.entries(f.lastSentAfter).map(([lb, v]) => `${lb} ${v === null ? '—' : `${v} s`}`).join(', ') || '—',
      Object.entries(f.markedDownAfter).map(([lb, v]) => `${lb} ${v === null ? '—' : `${v} s`}`).join(', ') || '—',
      f.dnsDroppedAfter === undefined ? '—' : fmtS(f.dnsDroppedAfter),
      f.failingFor === null ? 'no failure' : f.stillFailingAtEnd ? `≥ ${f.failingFor} s (to the window's end)` : `${Math.max(0, f.failingFor - 1).toFixed(2)}–${f.failingFor.toFixed(2)} s`,
    ]),
  };
  const inWindows = faults.reduce((a, f) => a + f.failed, 0);
  table.rows.push(['between the windows (restores, LB restarts)', null, result.errors - inWindows, null, null, '—', '—', '—', '—']);
  table.rows.push(['whole run', result.completed, result.errors, Object.entries(result.errorsByKind).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') || 'none', null, '—', '—', '—', '—']);

  const conclusion = conclude(faults, result, ctx.samples().filter((x) => x.t >= 0), watch.dnsTtl());
  const marks = ctx.marks();
  const charts: ChartSpec[] = [
    {
      id: 'load-requests',
      title: 'Load generator: journeys completed and requests failed per second',
      yLabel: 'per second',
      series: [
        { label: 'journeys completed/s', points: result.perSecond.map((s) => ({ t: s.second, v: s.completed })) },
        { label: 'requests failed/s', points: result.perSecond.map((s) => ({ t: s.second, v: s.errors })) },
      ],
      marks,
    },
    {
      id: 'attempts-per-server',
      title: 'LB attempts per second to each web replica (both LBs, 250 ms polls)',
      yLabel: 'attempts/s',
      series: [...watch.attemptsPerSecond(['web1', 'web2', 'web3'], zero).entries()].map(([label, points]) => ({ label, points })),
      marks,
    },
    {
      id: 'latency',
      title: 'Journey latency at the load generator (p50, p99, CO-corrected)',
      yLabel: 'ms',
      series: [
        { label: 'p50', points: result.perSecond.map((s) => ({ t: s.second, v: s.completed ? s.p50Ms : null })) },
        { label: 'p99', points: result.perSecond.map((s) => ({ t: s.second, v: s.completed ? s.p99Ms : null })) },
      ],
      marks,
    },
    {
      id: 'stack-headline',
      title: "The stack's own figures (observatory, 3 s window): LB req/s and errors/s",
      yLabel: 'per second',
      series: [
        { label: 'LB req/s', points: ctx.samples().map((s) => ({ t: +s.t.toFixed(1), v: s.figures.headline.rps })) },
        { label: 'LB errors/s', points: ctx.samples().map((s) => ({ t: +s.t.toFixed(1), v: s.figures.headline.errorsPerSecond })) },
      ],
      marks,
    },
  ];
  return {
    steps,
    table,
    conclusion,
    charts,
    figures: { faults, load: { sent: result.sent, requests: result.requests ?? null, completed: result.completed, failed: result.errors, failedJourneys: result.failedJourneys ?? null, errorsByKind: result.errorsByKind, p99Ms: result.latency.p99Ms, file: 'load.json' } },
  };
}

function conclude(faults: FaultFigures[], result: LoadResult, samples: FigureSample[], ttl: number | null): string[] {
  const out: string[] = [];
  const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(2)}%` : 'n/a');
  const kill = faults.find((f) => f.victim === 'web1' && !f.fault.includes('retries'));
  const pause = faults.find((f) => f.victim === 'web2');
  const lb = faults.find((f) => f.victim === 'lb2');
  const slowest = (r: Record<string, number | null>) => {
    const v = Object.values(r);
    return v.some((x) => x === null) ? null : Math.max(...(v as number[]));
  };
  if (kill) {
    const stopped = slowest(kill.lastSentAfter);
    const how = kill.failed === 0 ? 'no journey failed' : `${kill.failed} of ${kill.completed + kill.failed} journeys (${pct(kill.failed, kill.completed + kill.failed)}) failed at one of their requests`;
    out.push(
      `A crashed replica (kill -9 web1): ${how} in the ${kill.windowSeconds} s after the kill; the LBs retried ${kill.retried ?? 0} requests on another replica${kill.failed === 0 && (kill.retried ?? 0) > 0 ? ', which is why the clients saw nothing' : ''}. ` +
        `The LBs sent web1 nothing more ${stopped === null ? 'only at the end of the window (they kept trying it)' : `after ${stopped.toFixed(1)} s`} and marked it down after ${fmtS(slowest(kill.markedDownAfter))}.`,
    );
  }
  const bare = faults.find((f) => f.victim === 'web1' && f.fault.includes('retries'));
  if (kill && bare) {
    out.push(
      `Without the LBs' retries and passive checks the same kill -9 cost ${bare.failed} failed journeys (vs ${kill.failed} with them); the LBs stopped sending to web1 after ${fmtS(slowest(bare.lastSentAfter))} (vs ${fmtS(slowest(kill.lastSentAfter))}): ${bare.failed > kill.failed ? 'the retries are what hid the crash, the health checks alone leave every request sent before the next check to fail' : 'here the crash was hidden even without them'}.`,
    );
  }
  if (pause) {
    const stopped = slowest(pause.lastSentAfter);
    out.push(
      `A hung replica (SIGSTOP web2): ${pause.failed} requests failed (${Object.entries(pause.failedByKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), the LBs retried ${pause.retried ?? 0}; its connections were accepted by the kernel but never answered, so only the health checks took it out: marked down after ${fmtS(slowest(pause.markedDownAfter))}, last request sent to it after ${fmtS(stopped)}.`,
    );
    if (kill) {
      out.push(
        pause.failed > kill.failed
          ? `The hung server cost more failed requests than the crashed one (${pause.failed} vs ${kill.failed}): a refused connection is retried at once, a silent one is only noticed by timeouts.`
          : pause.failed < kill.failed
            ? `The hung server cost fewer failed requests than the crashed one (${pause.failed} vs ${kill.failed}).`
            : `The hung and the crashed server cost as many failed requests (${pause.failed}).`,
      );
    }
  }
  if (lb) {
    out.push(
      `A dead LB (kill -9 lb2): ${lb.failed} requests failed (${Object.entries(lb.failedByKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}); DNS stopped answering lb2's address after ${fmtS(lb.dnsDroppedAfter)}, and ${lb.failingFor === null ? 'no client failed' : lb.stillFailingAtEnd ? `clients were still failing ${lb.failingFor} s after the kill, at the end of the window (they keep a DNS answer until its TTL runs out, and nothing retries a connection to a dead LB)` : `clients kept failing for up to ${lb.failingFor} s after the kill, ${lb.dnsDroppedAfter !== null && lb.dnsDroppedAfter !== undefined ? `${(lb.failingFor - lb.dnsDroppedAfter).toFixed(1)} s longer than DNS needed` : ''} (they keep a DNS answer until its TTL${ttl === null ? '' : ` of ${ttl} s`} runs out, so how long depends on when they last resolved: up to the TTL)`}.`,
    );
  }
  const seen = samples.reduce((a, x) => a + x.figures.headline.errorsPerSecond, 0);
  out.push(
    seen < result.errors / 2
      ? `The stack's own error counters (LB 5xx and LB-made answers, summed over its 1 s samples: ${seen.toFixed(0)}) saw ${seen === 0 ? 'none' : 'few'} of these failures: refused connections to a dead LB and requests a hung server never answered are only visible at the client.`
      : `The stack's own error counters (summed over its 1 s samples: ${seen.toFixed(0)}) saw most of the failures the clients saw (${result.errors}).`,
  );
  if (!result.generator.valid) {
    const bad = result.perSecond.filter((x) => !x.valid).length;
    out.push(`The load generator marked ${bad} of ${result.perSecond.length} seconds not measurable (it was itself late to send, p99 lateness ${result.generator.lateP99Ms.toFixed(0)} ms: the machine was saturated); its failure counts stand, its latencies are upper bounds.`);
  }
  out.push(`Over the whole run the load generator counted ${result.errors} failed requests of ${(result.requests ?? result.sent).toLocaleString('en')} sent (${pct(result.errors, result.requests ?? result.sent)}); p99 journey latency ${result.latency.p99Ms.toFixed(0)} ms.`);
  return out;
}

export const serverDies: Scenario<ServerDiesPlan> = {
  name: 'server-dies',
  description: 'kill -9 one web replica under load, then SIGSTOP one (a hung server), then kill -9 an LB: failed and retried requests, and how long the LBs and DNS keep sending to the dead one.',
  net: '127.131',
  webReplicas: 3,
  plans,
  run,
};
