import { SCENARIOS } from './registry.js';
import { runScenario } from './run-scenario.js';
import { ScenarioError } from './scenario-error.js';

export const SCENARIO_USAGE = `usage: scaleout scenario list
       scaleout scenario run NAME [--quick] [--out DIR]`;

/** `scaleout scenario list | run NAME [--quick] [--out DIR]`. */
export async function scenarioCommand(argv: string[]): Promise<number> {
  const args = [...argv];
  const sub = args.shift();
  if (sub === 'list') {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(width)}  ${s.description}`);
    return 0;
  }
  if (sub !== 'run') throw new ScenarioError('SCENARIO_ERR_USAGE', SCENARIO_USAGE.replace(/\n\s*/g, ' | '));
  let name: string | undefined;
  let quick = false;
  let out: string | undefined;
  while (args.length) {
    const a = args.shift()!;
    if (a === '--quick') quick = true;
    else if (a === '--out') {
      out = args.shift();
      if (!out) throw new ScenarioError('SCENARIO_ERR_USAGE', '--out needs a folder');
    } else if (a.startsWith('-')) throw new ScenarioError('SCENARIO_ERR_USAGE', `unknown option ${a}; ${SCENARIO_USAGE.split('\n')[1]!.trim()}`);
    else if (name === undefined) name = a;
    else throw new ScenarioError('SCENARIO_ERR_USAGE', `one scenario at a time (got "${name}" and "${a}")`);
  }
  if (!name) throw new ScenarioError('SCENARIO_ERR_USAGE', `which scenario? ${SCENARIO_USAGE.split('\n')[1]!.trim()}`);
  let stop: (() => Promise<void>) | undefined;
  const onSignal = () => void stop?.();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runScenario({ name, quick, ...(out ? { out } : {}), onStack: (s) => (stop = s.down) });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
