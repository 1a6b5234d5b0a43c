/**
 * Errors raised by @scaleout/health. Every error carries a stable `code` string; the README lists them.
 * Probes written elsewhere (MySQL, memcached) may throw these or their own errors.
 */

export type HealthErrorCode =
  | 'HEALTH_ERR_INVALID_OPTION'
  | 'HEALTH_ERR_TIMEOUT'
  | 'HEALTH_ERR_ABORTED'
  | 'HEALTH_ERR_CONNECT'
  | 'HEALTH_ERR_IO'
  | 'HEALTH_ERR_STATUS'
  | 'HEALTH_ERR_BODY'
  | 'HEALTH_ERR_PROBE'
  | 'HEALTH_ERR_DUPLICATE_NAME';

/** Base class of every error this library throws. */
export class HealthError extends Error {
  readonly code: HealthErrorCode;

  constructor(code: HealthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A constructor or method received an option it cannot use. Thrown synchronously. */
export class HealthOptionError extends HealthError {
  constructor(message: string) {
    super('HEALTH_ERR_INVALID_OPTION', message);
  }
}

/** The probe did not settle within the checker's `timeout`. */
export class HealthTimeoutError extends HealthError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super('HEALTH_ERR_TIMEOUT', `health check timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The probe was aborted for a reason other than a timeout (e.g. the checker was stopped). */
export class HealthAbortedError extends HealthError {
  constructor(message = 'health check aborted') {
    super('HEALTH_ERR_ABORTED', message);
  }
}

/** The TCP connection (or the name lookup before it) failed: refused, unreachable, unknown host. */
export class HealthConnectError extends HealthError {
  readonly address: string;
  /** The system error code, e.g. `ECONNREFUSED`, when there was one. */
  readonly syscallCode: string | undefined;

  constructor(address: string, cause: unknown) {
    const syscallCode = errnoCode(cause);
    super(
      'HEALTH_ERR_CONNECT',
      `cannot connect to ${address}${syscallCode ? ` (${syscallCode})` : ''}: ${messageOf(cause)}`,
      { cause },
    );
    this.address = address;
    this.syscallCode = syscallCode;
  }
}

/** The connection was made but failed afterwards: reset, TLS failure, malformed response. */
export class HealthIoError extends HealthError {
  readonly syscallCode: string | undefined;

  constructor(what: string, cause: unknown) {
    const syscallCode = errnoCode(cause);
    super('HEALTH_ERR_IO', `${what}${syscallCode ? ` (${syscallCode})` : ''}: ${messageOf(cause)}`, { cause });
    this.syscallCode = syscallCode;
  }
}

/** An HTTP check got a status it does not accept. */
export class HealthStatusError extends HealthError {
  readonly status: number;

  constructor(status: number, url: string) {
    super('HEALTH_ERR_STATUS', `unexpected HTTP status ${status} from ${url}`);
    this.status = status;
  }
}

/** An HTTP check's body does not contain the expected text. */
export class HealthBodyError extends HealthError {
  readonly status: number;

  constructor(status: number, url: string, expected: string) {
    super('HEALTH_ERR_BODY', `response body from ${url} (status ${status}) does not include ${JSON.stringify(expected)}`);
    this.status = status;
  }
}

/** A probe rejected with something that is not an `Error`; the original value is the `cause`. */
export class HealthProbeError extends HealthError {
  constructor(cause: unknown) {
    super('HEALTH_ERR_PROBE', `probe failed: ${messageOf(cause)}`, { cause });
  }
}

/** `HealthGroup.add` got a name that is already in the group. */
export class HealthDuplicateNameError extends HealthError {
  constructor(name: string) {
    super('HEALTH_ERR_DUPLICATE_NAME', `a checker named ${JSON.stringify(name)} is already in the group`);
  }
}

/** The error a probe should reject with once `signal` is aborted: its reason when that is an Error. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new HealthAbortedError();
}

/** Always returns an Error: Error values unchanged, anything else wrapped in a HealthProbeError. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new HealthProbeError(value);
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return 'unknown error';
  }
}
