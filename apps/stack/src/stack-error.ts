import { ScaleoutError } from '@scaleout/service';

/** Stack control errors; codes are listed in apps/stack/README.md. */
export class StackError extends ScaleoutError {
  constructor(code: string, message: string, statusCode = 400) {
    super(code, message, { statusCode: code === 'STACK_ERR_UNKNOWN_INSTANCE' ? 404 : statusCode });
  }
}
