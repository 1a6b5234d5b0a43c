import { ScaleoutError } from './scaleout-error.js';

/** A configuration value is missing or invalid. The message names the variable, the value and what is allowed. */
export class ConfigError extends ScaleoutError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('CONFIG_ERR_INVALID', message);
    this.variable = variable;
  }
}
