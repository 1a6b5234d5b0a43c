/**
 * What a probe may report on success. Everything is optional; the checker passes it on in its 'check'
 * event so callers can log or export it.
 */
export interface ProbeResult {
  /** Protocol status, e.g. the HTTP status code. */
  status?: number;
  /** Free-form detail for logs (e.g. "replication lag 0 s"). */
  detail?: string;
}

/**
 * A health probe: resolves when the target is healthy, rejects (with an Error, ideally a coded one)
 * when it is not. It must stop its work and settle when `signal` is aborted; the checker also stops
 * waiting for it at the timeout, so a probe that ignores the signal only leaks its own resources.
 *
 * HTTP and TCP probes ship here (`httpProbe`, `tcpProbe`); MySQL, memcached and other probes are
 * plain functions of this type.
 */
export type Probe = (signal: AbortSignal) => Promise<void | ProbeResult>;
