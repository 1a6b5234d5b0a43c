// The public surface: what the stack, the scenarios, the benchmarks and the tests use. Internals (the
// HTTP pool, the histograms, the journeys) stay behind it.
export { LoadError, type LoadErrorCode } from './load-error.js';
export type { RateSpec, LoadSpec, DnsTarget, IntervalStats, LoadResult, LoadRun, LatencySummary, JourneyStats, ErrorKind } from './types.js';
export { RateSchedule } from './rate-schedule.js';
export { parseRateSpec } from './parse-units.js';
export { parseLoadArgs, LOAD_USAGE } from './parse-load-args.js';
export { validateLoadSpec } from './validate-spec.js';
export { ResponseParser, ResponseParseError, type ParsedResponse } from './response-parser.js';
export { CookieJar } from './cookie-jar.js';
export { JOURNEY_NAMES, DEFAULT_MIX, type JourneyName } from './shop-journeys.js';
export { startLoad } from './start-load.js';
export { formatSecond, formatResult } from './format-result.js';
export { loadCommand, type LoadCommandIo } from './load-command.js';
