import { QUERY_TYPE_LABELS, RCODE_LABELS, TRANSPORT_LABELS } from './dns-constants.js';

/** Why a packet got no answer at all. */
export const DROP_REASONS = ['short', 'response', 'tcp_frame', 'tcp_limit', 'send_error', 'internal_error'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export const DropIndex = { short: 0, response: 1, tcp_frame: 2, tcp_limit: 3, send_error: 4, internal_error: 5 } as const satisfies Record<DropReason, number>;

/** Query-duration buckets in seconds: DNS answers take microseconds, so finer than FAST_LATENCY_BUCKETS. */
export const DNS_LATENCY_BUCKETS: readonly number[] = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1,
];

const T = QUERY_TYPE_LABELS.length;
const R = RCODE_LABELS.length;
const X = TRANSPORT_LABELS.length;

/**
 * Plain numeric counters the query path increments (one typed-array store per event, no labels, no
 * allocation). The Prometheus collectors read and reset them at scrape time.
 */
export class DnsStats {
  /** Index = (typeIndex × transports + transport) × rcodes + rcodeIndex. */
  readonly queries = new Float64Array(T * X * R);
  readonly truncated = new Float64Array(X);
  readonly dropped = new Float64Array(DROP_REASONS.length);
  /** By record id: answers in which that record came first. */
  addressFirst: Float64Array<ArrayBuffer> = new Float64Array(64);
  /** By RRset id: answers given while failing open. */
  failOpenAnswers: Float64Array<ArrayBuffer> = new Float64Array(64);
  readonly latencyBounds = Float64Array.from(DNS_LATENCY_BUCKETS);
  /** Per transport: one count per bucket plus +Inf. */
  readonly latencyCounts = new Float64Array(X * (DNS_LATENCY_BUCKETS.length + 1));
  readonly latencySum = new Float64Array(X);

  /** Makes room for record ids and RRset ids up to the given values (called when records are built). */
  ensureCapacity(recordId: number, rrsetId: number): void {
    if (recordId >= this.addressFirst.length) this.addressFirst = grow(this.addressFirst, recordId);
    if (rrsetId >= this.failOpenAnswers.length) this.failOpenAnswers = grow(this.failOpenAnswers, rrsetId);
  }

  observeLatency(transport: number, seconds: number): void {
    const bounds = this.latencyBounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.latencyCounts[transport * (bounds.length + 1) + i]!++;
    this.latencySum[transport]! += seconds;
  }
}

function grow(a: Float64Array, atLeast: number): Float64Array<ArrayBuffer> {
  let n = a.length;
  while (n <= atLeast) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
