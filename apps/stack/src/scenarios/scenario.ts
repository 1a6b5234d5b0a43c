// What a scenario is: a named experiment with a quick and a full plan, run against a stack of its own
// by the runner (run-scenario.ts), which hands it a context and turns its outcome into a report.
import type { LoadResult, LoadSpec, LoadRun } from '@scaleout/load';
import type { RunningStack } from '../run-stack.js';
import type { StackFigures } from '../observatory/stack-figures.js';
import type { QueryCacheOptions } from '@scaleout/infra';

/** One line of a chart: values by second since the scenario's clock started (null = no value). */
export interface ChartSeries {
  label: string;
  points: { t: number; v: number | null }[];
}

export interface ChartSpec {
  /** File name stem of the SVG (kebab-case). */
  id: string;
  title: string;
  yLabel: string;
  series: ChartSeries[];
  /** Vertical markers: the scripted faults. */
  marks: { t: number; label: string }[];
}

export interface ResultTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** What a scenario hands back; the runner writes it out (report.md, report.html, SVGs, result.json). */
export interface ScenarioOutcome {
  /** What was done, one step a line (plain language). */
  steps: string[];
  table: ResultTable;
  /** Computed from the figures: each sentence says what the numbers show. */
  conclusion: string[];
  charts: ChartSpec[];
  /** The deciding figures, machine-readable (result.json `figures`). */
  figures: Record<string, unknown>;
}

/** A sample of the stack's figures, taken by the observatory once a second. */
export interface FigureSample {
  /** Seconds since the scenario clock started (may be negative before it). */
  t: number;
  figures: StackFigures;
}

export interface StartedLoad {
  run: LoadRun;
  result: Promise<LoadResult>;
  /** Epoch ms of the load generator's clock zero (after its set-up), known after its first second. */
  clockAt: Promise<number>;
}

export interface ScenarioContext<P> {
  stack: RunningStack;
  net: string;
  plan: P;
  quick: boolean;
  /** Folder of the report; raw inputs (load results) go here too. */
  outDir: string;
  log(line: string): void;
  /** Seconds since the scenario clock started. */
  now(): number;
  /** Sets the clock's zero (epoch ms; default now). Before this call the zero is when run() was called. */
  startClock(atMs?: number): void;
  /** Resolves when the clock reaches `t` seconds. */
  until(t: number): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Records a scripted event (drawn on every chart) now, or at clock time `t`. */
  mark(label: string, t?: number): number;
  marks(): { t: number; label: string }[];
  /** Every figure sample since the stack was up. */
  samples(): FigureSample[];
  /** Starts a load run against the stack; its result is also saved as `<name>.json` in the report folder. */
  load(name: string, spec: LoadSpec): StartedLoad;
  /** The stack's admin token (LB and proxy admin APIs). */
  adminToken: string;
}

export interface Scenario<P = unknown> {
  name: string;
  description: string;
  /** The loopback /16 its stack runs on (127.130 … 127.139), so it never meets a user's stack. */
  net: string;
  webReplicas: number;
  /** Environment added to every instance of a service (e.g. LB policies). */
  serviceEnv?: Partial<Record<'lb' | 'web' | 'db-proxy' | 'session' | 'dns', Record<string, string>>>;
  /** Stack settings fixed at its start (MariaDB's query cache). */
  stack?: { queryCache?: QueryCacheOptions };
  plans: { quick: P; full: P };
  run(ctx: ScenarioContext<P>): Promise<ScenarioOutcome>;
}
