/** Stable error codes raised by `@scaleout/memcache` (listed with their meaning in the README). */
export type MemcacheErrorCode =
  | 'MEMCACHE_ERR_TIMEOUT'
  | 'MEMCACHE_ERR_CONNECTION'
  | 'MEMCACHE_ERR_PROTOCOL'
  | 'MEMCACHE_ERR_SERVER'
  | 'MEMCACHE_ERR_UNAVAILABLE'
  | 'MEMCACHE_ERR_NODE_DOWN'
  | 'MEMCACHE_ERR_BAD_KEY'
  | 'MEMCACHE_ERR_TOO_LARGE'
  | 'MEMCACHE_ERR_BAD_TTL'
  | 'MEMCACHE_ERR_BAD_OPTION'
  | 'MEMCACHE_ERR_BAD_TOKEN'
  | 'MEMCACHE_ERR_CLOSED';

/**
 * Error thrown by this library; `code` is stable, `message` is for humans. `node` names the memcached
 * node (`host:port`) when the error is about one node.
 */
export class MemcacheError extends Error {
  readonly code: MemcacheErrorCode;
  readonly node: string | undefined;

  constructor(code: MemcacheErrorCode, message: string, options: { node?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MemcacheError';
    this.code = code;
    this.node = options.node;
  }
}

/** Whether `err` is a {@link MemcacheError}, optionally with one of `codes`. */
export function isMemcacheError(err: unknown, ...codes: MemcacheErrorCode[]): err is MemcacheError {
  return err instanceof MemcacheError && (codes.length === 0 || codes.includes(err.code));
}
