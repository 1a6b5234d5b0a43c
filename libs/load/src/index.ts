export { LoadError, type LoadErrorCode } from './load-error.js';
export type { RateSpec, LoadSpec, DnsTarget, IntervalStats, LoadResult, LoadRun, LatencySummary, JourneyStats, ErrorKind } from './types.js';
export { ERROR_KINDS } from './types.js';
export { RateSchedule } from './rate-schedule.js';
export { parseDurationMs, parseRateValue, parseRateSpec, parseThink, parseMix } from './parse-units.js';
export { parseLoadArgs, LOAD_USAGE } from './parse-load-args.js';
export {
  validateLoadSpec,
  isLoopbackV4,
  DEFAULT_DNS,
  MAX_GET_RATE,
  MAX_SHOP_RATE,
  GET_RATE_PER_CONNECTION,
  SHOP_RATE_PER_JOURNEY_SLOT,
  MAX_DURATION_MS,
} from './validate-spec.js';
export { ResponseParser, ResponseParseError, type ParsedResponse } from './response-parser.js';
export { HttpPool, type HttpPoolOptions, type PoolRequest } from './http-pool.js';
export { CookieJar } from './cookie-jar.js';
export { LatencyHistogram } from './latency-histogram.js';
export { JOURNEY_NAMES, DEFAULT_MIX, JOURNEYS, MixPicker, type JourneyName, type VirtualUser } from './shop-journeys.js';
export { LATE_P99_LIMIT_MS, MIN_SEND_SHARE } from './recorder.js';
export { startLoad } from './start-load.js';
export { formatSecond, formatResult } from './format-result.js';
export { loadCommand, type LoadCommandIo } from './load-command.js';
