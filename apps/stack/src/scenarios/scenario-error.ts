import { ScaleoutError } from '@scaleout/service';

export type ScenarioErrorCode = 'SCENARIO_ERR_UNKNOWN' | 'SCENARIO_ERR_OUT_NOT_EMPTY' | 'SCENARIO_ERR_ADDRESS_IN_USE' | 'SCENARIO_ERR_USAGE' | 'SCENARIO_ERR_FAILED';

/** Scenario errors; codes are listed in apps/stack/README.md. Messages are one line. */
export class ScenarioError extends ScaleoutError {
  constructor(code: ScenarioErrorCode, message: string) {
    super(code, message, { statusCode: 400 });
  }
}
