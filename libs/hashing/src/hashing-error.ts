/** Stable error codes raised by `@scaleout/hashing` (listed with their meaning in the README). */
export type HashingErrorCode =
  | 'HASH_ERR_EMPTY_RING'
  | 'HASH_ERR_NO_NODES'
  | 'HASH_ERR_INVALID_NODE'
  | 'HASH_ERR_DUPLICATE_NODE'
  | 'HASH_ERR_INVALID_WEIGHT'
  | 'HASH_ERR_INVALID_COUNT'
  | 'HASH_ERR_INVALID_BUCKETS'
  | 'HASH_ERR_INVALID_KEY'
  | 'HASH_ERR_ID_TOO_SHORT'
  | 'HASH_ERR_INVALID_ID_SIZE'
  | 'HASH_ERR_NO_SECRETS'
  | 'HASH_ERR_SECRET_TOO_SHORT'
  | 'HASH_ERR_INVALID_VALUE';

/** Error thrown by every function of this library; `code` is stable, `message` is for humans. */
export class HashingError extends Error {
  readonly code: HashingErrorCode;

  constructor(code: HashingErrorCode, message: string) {
    super(message);
    this.name = 'HashingError';
    this.code = code;
  }
}
