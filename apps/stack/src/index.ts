export { runStack, queryCacheFromEnv, queryCacheSetting, type RunStackOptions, type RunningStack } from './run-stack.js';
export { main } from './cli.js';
export {
  describeStack,
  stackAddress,
  controlHost,
  setUpDatabasePair,
  dbRootEndpoint,
  DEV_ACCOUNTS,
  CONTROL_PORT,
  type InstanceSpec,
  type ServiceName,
  type ServiceSpec,
  type StackOptions,
} from './stack-spec.js';
export { Supervisor } from './supervisor.js';
export { StackClient } from './stack-client.js';
export { StackError } from './stack-error.js';
export { stackPaths, repoRoot, type StackPaths } from './stack-paths.js';
export { formatStatus } from './format-status.js';
export { prometheusConfig } from './prometheus-config.js';
export type { InstanceStatus, InstanceState } from './instance-status.js';
export { runScenario, checkScenarioInput, type RunScenarioOptions, type ScenarioRun } from './scenarios/run-scenario.js';
export { SCENARIOS, findScenario } from './scenarios/registry.js';
export { listenersInUse } from './scenarios/address-check.js';
export type { Scenario, ScenarioOutcome } from './scenarios/scenario.js';
