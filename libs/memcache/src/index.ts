export { MemcacheError, isMemcacheError, type MemcacheErrorCode } from './memcache-error.js';
export { MAX_RELATIVE_EXPTIME, expirySeconds, toExptime, type TtlOptions } from './ttl.js';
export {
  MemcacheRing,
  type CacheItem,
  type CasItem,
  type CasResult,
  type CasToken,
  type DeleteCasResult,
  type MemcacheRingOptions,
  type ReadThroughOptions,
  type ReadThroughResult,
  type RepairKind,
  type RepairOutcome,
  type RingLock,
  type RingNodeStatus,
  type RingObserver,
  type WriteResult,
} from './memcache-ring.js';
export type { CallOutcome, NodeState, NodeStatus, WarmupReason } from './memcache-node.js';
export { createRingMetrics, type RingMetrics, type RingMetricsOptions } from './ring-metrics.js';
