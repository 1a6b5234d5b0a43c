export { InfraError, MissingBinaryError, DaemonStartError } from './infra-error.js';
export { whichBinary, requireBinary, ensureBinary, DEBIAN_PACKAGES, type EnsureBinaryOptions } from './find-binary.js';
export { memcachedProbe, type ReadyProbe } from './probes.js';
export {
  startDaemon,
  spawnDaemon,
  waitReady,
  tailOf,
  type DaemonSpec,
  type ExitInfo,
  type RunningDaemon,
  type StartDaemonOptions,
  type WaitReadyOptions,
} from './start-daemon.js';
export { memcachedSpec, type MemcachedOptions } from './memcached-daemon.js';
export {
  mariadbSpec,
  mariadbArgs,
  supportsInitRplRole,
  mariadbPaths,
  mariadbProbe,
  prepareMariadbDataDir,
  SESSION_TRACK_VARIABLES,
  type MariadbOptions,
  type MariadbPaths,
} from './mariadb-daemon.js';
export { prometheusSpec, prometheusAvailable, type PrometheusOptions } from './prometheus-daemon.js';
export { freePort } from './free-port.js';
export {
  parseQueryCache,
  parseQueryCacheType,
  parseQueryCacheSize,
  queryCacheArgs,
  QueryCacheConfigError,
  type QueryCacheOptions,
} from './query-cache.js';
