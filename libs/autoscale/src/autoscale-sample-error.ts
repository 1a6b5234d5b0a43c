import { ScaleoutError } from '@scaleout/service';

/** A sample `recommend` cannot use (time or replica count not a number, …). `code` is `AUTOSCALE_ERR_SAMPLE`. */
export class AutoscaleSampleError extends ScaleoutError {
  constructor(message: string) {
    super('AUTOSCALE_ERR_SAMPLE', `invalid autoscale sample: ${message}`, { statusCode: 400 });
  }
}
