/**
 * Base class of every coded error in scaleout. `code` is stable and documented in the owning project's
 * README; `statusCode` is the HTTP status a service answers with when the error reaches a client.
 */
export class ScaleoutError extends Error {
  readonly code: string;
  readonly statusCode: number;
  constructor(code: string, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode ?? 500;
  }
}
