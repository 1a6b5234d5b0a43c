import type { Scenario } from './scenario.js';
import { dbFailover } from './db-failover.js';
import { powerUser } from './power-user.js';
import { serverDies } from './server-dies.js';
import { autoscale } from './autoscale.js';
import { pageCache } from './page-cache.js';
import { queryCache } from './query-cache.js';

/** Every scenario, in the order `scenario list` shows them. */
export const SCENARIOS: Scenario<never>[] = [serverDies as Scenario<never>, dbFailover as Scenario<never>, powerUser as Scenario<never>, pageCache as Scenario<never>, queryCache as Scenario<never>, autoscale as Scenario<never>];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name) as Scenario | undefined;
}
