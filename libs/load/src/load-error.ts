/** Stable codes of @scaleout/load (listed in the README). */
export type LoadErrorCode =
  | 'LOAD_ERR_USAGE'
  | 'LOAD_ERR_WORKLOAD'
  | 'LOAD_ERR_RATE'
  | 'LOAD_ERR_TARGET'
  | 'LOAD_ERR_DURATION'
  | 'LOAD_ERR_MIX'
  | 'LOAD_ERR_DNS'
  | 'LOAD_ERR_SHOP';

/** Bad input or an impossible run; `message` is one line. Nothing has been started when it is thrown. */
export class LoadError extends Error {
  readonly code: LoadErrorCode;
  constructor(code: LoadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoadError';
    this.code = code;
  }
}
