/** Stable codes of libs/erasure (listed in its README). */
export type ErasureErrorCode =
  | 'ERASURE_ERR_BAD_PARAMS'
  | 'ERASURE_ERR_SHARD_SIZE'
  | 'ERASURE_ERR_TOO_FEW_SHARDS'
  | 'ERASURE_ERR_SINGULAR';

export class ErasureError extends Error {
  readonly code: ErasureErrorCode;
  constructor(code: ErasureErrorCode, message: string) {
    super(message);
    this.name = 'ErasureError';
    this.code = code;
  }
}
