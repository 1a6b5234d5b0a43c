export type RateSpec =
  | { kind: 'constant'; rate: number }
  | { kind: 'ramp'; from: number; to: number; overMs: number }
  | { kind: 'steps'; steps: { rate: number; forMs: number }[] };

export interface DnsTarget {
  server: string;
  port: number;
  name: string;
  httpPort: number;
}

export interface LoadSpec {
  workload: 'get' | 'shop';
  /** get: http://127.x.y.z:port/path */
  url?: string;
  /** shop (defaults 127.0.0.1, 5300, www.scaleout.test, 8080) */
  dns?: DnsTarget;
  /** shop without DNS: explicit LB base URLs */
  baseUrls?: string[];
  /** open model when set */
  rate?: RateSpec;
  /** closed model when rate is unset; open model: max connections / concurrent journeys */
  connections?: number;
  durationMs: number;
  maxRequests?: number;
  timeoutMs?: number;
  thinkMs?: [number, number];
  mix?: Record<string, number>;
  /** shop: members (seeded users signed in before the clock starts, sessions kept across journeys). Default 100. */
  users?: number;
}

export type ErrorKind = 'connect' | 'timeout' | 'reset' | 'http_4xx' | 'http_5xx' | 'parse' | 'unexpected';
export const ERROR_KINDS: readonly ErrorKind[] = ['connect', 'timeout', 'reset', 'http_4xx', 'http_5xx', 'parse', 'unexpected'];

export interface IntervalStats {
  second: number;
  targetRate: number;
  sent: number;
  completed: number;
  /** completed/s */
  rate: number;
  errors: number;
  errorsByKind: Record<string, number>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  lateP99Ms: number;
  inFlight: number;
  valid: boolean;
  /** Why `valid` is false. */
  reason?: string;
  /** Arrivals that waited for a connection (or a journey slot) at the cap: the target was the bottleneck. */
  queued?: number;
  /** 'requests' (get) or 'journeys' (shop). */
  unit?: 'requests' | 'journeys';
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface JourneyStats {
  started: number;
  ok: number;
  failed: number;
  outOfStock?: number;
  latency: LatencySummary;
}

export interface LoadResult {
  spec: LoadSpec;
  startedAt: string;
  durationMs: number;
  /** 'requests' for get, 'journeys' for shop: the unit of sent/completed/achievedRate/targetRate. */
  unit?: 'requests' | 'journeys';
  model?: 'open' | 'closed';
  sent: number;
  completed: number;
  errors: number;
  errorsByKind: Record<string, number>;
  achievedRate: number;
  targetRate?: number;
  latency: LatencySummary;
  perSecond: IntervalStats[];
  journeys?: Record<string, JourneyStats>;
  failedJourneys?: number;
  /** shop: HTTP requests per step name. */
  steps?: Record<string, { ok: number; failed: number }>;
  /** shop: journeys per LB address. */
  targets?: Record<string, number>;
  /** HTTP requests sent in all (equals `sent` for get). */
  requests?: number;
  /** Arrivals still in flight or waiting when the drain ended (in-flight requests then count as timeouts). */
  unsent?: number;
  generator: { lateP99Ms: number; maxConnections: number; extraConnections?: number; valid: boolean; notes: string[] };
  stopped: 'duration' | 'requests' | 'aborted';
}

export interface LoadRun {
  readonly spec: LoadSpec;
  on(event: 'second', listener: (s: IntervalStats) => void): this;
  latest(): IntervalStats | undefined;
  /** Ends early; done still resolves with stopped='aborted'. */
  stop(): void;
  readonly done: Promise<LoadResult>;
}
