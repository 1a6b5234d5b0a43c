export {
  abortError,
  HealthAbortedError,
  HealthBodyError,
  HealthConnectError,
  HealthDuplicateNameError,
  HealthError,
  HealthIoError,
  HealthOptionError,
  HealthProbeError,
  HealthStatusError,
  HealthTimeoutError,
} from './health-error.js';
export type { HealthErrorCode } from './health-error.js';
export type { Probe, ProbeResult } from './probe.js';
export { ActiveChecker } from './active-checker.js';
export type {
  ActiveCheckerEvents,
  ActiveCheckerOptions,
  ChangeEvent,
  CheckResult,
  CheckerSnapshot,
  HealthState,
} from './active-checker.js';
export { httpProbe } from './http-probe.js';
export type { ExpectStatus, HttpProbeOptions } from './http-probe.js';
export { tcpProbe } from './tcp-probe.js';
export type { TcpProbeOptions } from './tcp-probe.js';
export { HealthGroup } from './health-group.js';
export type { HealthGroupEvents } from './health-group.js';
export { OutlierDetector } from './outlier-detector.js';
export type {
  EjectEvent,
  OutlierDetectorEvents,
  OutlierDetectorOptions,
  OutlierKeyStats,
  UnejectEvent,
} from './outlier-detector.js';
