// The runner: checks the input, starts the scenario's own stack, samples its figures every second,
// lets the scenario drive load and faults on a clock, undoes what is left (paused instances, load
// runs), stops everything and writes the report folder.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateLoadSpec, type LoadResult, type LoadRun, type LoadSpec } from '@scaleout/load';
import { runStack, type RunningStack } from '../run-stack.js';
import { repoRoot } from '../stack-paths.js';
import { listenersInUse } from './address-check.js';
import { writeReport } from './report-writer.js';
import type { FigureSample, Scenario, ScenarioContext, ScenarioOutcome, StartedLoad } from './scenario.js';
import { ScenarioError } from './scenario-error.js';
import { SCENARIOS, findScenario } from './registry.js';
import { startLoadInWorker } from './worker-load.js';

export interface RunScenarioOptions {
  name: string;
  quick?: boolean;
  /** Report folder; default `<repo>/.scaleout/scenarios/<name>-<time>`. Must not exist or be empty. */
  out?: string;
  /** Progress lines. */
  print?(line: string): void;
  adminToken?: string;
  /** Called once the stack runs (the CLI stops it on Ctrl-C). */
  onStack?(stack: RunningStack): void;
  /** Called after the scenario, before its stack stops (tests check the databases then). */
  beforeDown?(stack: RunningStack, net: string): Promise<void>;
}

export interface ScenarioRun {
  dir: string;
  outcome: ScenarioOutcome;
  files: string[];
  durationSeconds: number;
}

/** Checks the input before anything starts: the name, the report folder, the scenario's addresses. */
export async function checkScenarioInput(o: Pick<RunScenarioOptions, 'name' | 'out'>): Promise<{ scenario: Scenario; dir: string }> {
  const scenario = findScenario(o.name);
  if (!scenario) throw new ScenarioError('SCENARIO_ERR_UNKNOWN', `unknown scenario "${o.name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const dir = resolve(o.out ?? join(repoRoot(), '.scaleout', 'scenarios', `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new ScenarioError('SCENARIO_ERR_OUT_NOT_EMPTY', `--out ${dir} exists and is not empty; give a new or empty folder`);
  const used = await listenersInUse(scenario.net);
  if (used.length > 0) {
    throw new ScenarioError('SCENARIO_ERR_ADDRESS_IN_USE', `a stack already runs on the scenario's addresses ${scenario.net}.x.y (${used.join(', ')} answer); stop it first: SCALEOUT_NET=${scenario.net} npm run scaleout -- down`);
  }
  return { scenario, dir };
}

export async function runScenario(o: RunScenarioOptions): Promise<ScenarioRun> {
  const { scenario, dir } = await checkScenarioInput(o);
  const quick = o.quick ?? false;
  const print = o.print ?? ((l: string) => console.log(l));
  mkdirSync(dir, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), `scaleout-scenario-${scenario.name}-`));
  const began = Date.now();
  const startedAt = new Date(began).toISOString();
  const stackLines: string[] = [];
  print(`scenario ${scenario.name}${quick ? ' (quick)' : ''}: starting its stack on ${scenario.net}.x.y (${scenario.webReplicas} web replicas)`);
  const stack = await runStack({
    net: scenario.net,
    home,
    counts: { web: scenario.webReplicas },
    prometheus: false,
    installMissing: false,
    ...(scenario.serviceEnv ? { serviceEnv: scenario.serviceEnv } : {}),
    ...(scenario.stack?.queryCache ? { queryCache: scenario.stack.queryCache } : {}),
    ...(o.adminToken ? { adminToken: o.adminToken } : {}),
    print: (l) => stackLines.push(l),
  });
  o.onStack?.(stack);
  const loads: LoadRun[] = [];
  let outcome: ScenarioOutcome;
  let ok = false;
  try {
    try {
      await stack.ready;
    } catch (err) {
      throw new ScenarioError('SCENARIO_ERR_FAILED', `the scenario's stack did not start: ${(err as Error).message.split('\n')[0]} (logs in ${home}/logs)`);
    }
    print(`stack up after ${((Date.now() - began) / 1000).toFixed(1)} s; running the ${quick ? 'quick' : 'full'} plan`);
    let zero = Date.now();
    const raw: { at: number; figures: FigureSample['figures'] }[] = [];
    const onFigures = (f: FigureSample['figures']) => raw.push({ at: f.at, figures: f });
    stack.observatory.on('figures', onFigures);
    const marks: { t: number; label: string }[] = [];
    const now = () => (Date.now() - zero) / 1000;
    const ctx: ScenarioContext<unknown> = {
      stack,
      net: scenario.net,
      plan: quick ? scenario.plans.quick : scenario.plans.full,
      quick,
      outDir: dir,
      adminToken: o.adminToken ?? process.env.SCALEOUT_ADMIN_TOKEN ?? 'dev-admin-token',
      log: (l) => print(`  [${now().toFixed(1).padStart(5)} s] ${l}`),
      now,
      startClock: (at = Date.now()) => {
        zero = at;
      },
      until: async (t) => {
        const wait = zero + t * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      },
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      mark: (label, at) => {
        const t = +(at ?? now()).toFixed(2);
        marks.push({ t, label });
        ctx.log(label);
        return t;
      },
      marks: () => [...marks],
      samples: () => raw.map((r) => ({ t: (r.at - zero) / 1000, figures: r.figures })),
      load: (name, spec) => startScenarioLoad(dir, name, spec, loads),
    };
    try {
      outcome = await scenario.run(ctx);
    } finally {
      stack.observatory.off('figures', onFigures);
      for (const l of loads) l.stop();
      // Every fault undone: a paused instance is resumed before the stack stops.
      for (const s of stack.supervisor.status()) if (s.state === 'paused') await stack.supervisor.resume(s.name).catch(() => undefined);
    }
    await o.beforeDown?.(stack, scenario.net);
    ok = true;
  } finally {
    await stack.down();
    writeFileSync(join(dir, 'stack.log'), stackLines.join('\n') + '\n');
    if (ok) rmSync(home, { recursive: true, force: true });
    else print(`the scenario's stack data and logs are kept in ${home}`);
  }
  const durationSeconds = (Date.now() - began) / 1000;
  const command = `npm run scaleout -- scenario run ${scenario.name}${quick ? ' --quick' : ''}`;
  const files = writeReport(dir, { scenario: scenario.name, description: scenario.description, quick, net: scenario.net, startedAt, durationSeconds, plan: quick ? scenario.plans.quick : scenario.plans.full, command }, outcome);
  print(`report: ${join(dir, 'report.md')} (${files.length} files, ${durationSeconds.toFixed(0)} s)`);
  return { dir, outcome, files, durationSeconds };
}

function startScenarioLoad(dir: string, name: string, spec: LoadSpec, loads: LoadRun[]): StartedLoad {
  const run = startLoadInWorker(validateLoadSpec(spec));
  loads.push(run);
  const clockAt = new Promise<number>((resolveClock, rejectClock) => {
    run.on('second', (s) => resolveClock(Date.now() - s.second * 1000));
    run.done.catch(rejectClock);
  });
  clockAt.catch(() => undefined);
  const result = run.done.then((r: LoadResult) => {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(r, null, 2) + '\n');
    return r;
  });
  return { run, result, clockAt };
}
