import { ScaleoutError } from '@scaleout/service';

/**
 * An autoscaler configuration that cannot be used. `code` is always `AUTOSCALE_ERR_CONFIG`; the message is one
 * line naming the field, the value given and what is allowed, e.g.
 * `invalid autoscale config: maxReplicas = 2; allowed: an integer ≥ minReplicas (5)`.
 */
export class AutoscaleConfigError extends ScaleoutError {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super('AUTOSCALE_ERR_CONFIG', `invalid autoscale config: ${field} = ${show(value)}; allowed: ${allowed}`, {
      statusCode: 400,
    });
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
