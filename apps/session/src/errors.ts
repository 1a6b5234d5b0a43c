import { ScaleoutError } from '@scaleout/service';

/** Stable codes of the session service (the README lists them with their HTTP status). */
export type SessionErrorCode =
  | 'SESSION_ERR_NOT_FOUND'
  | 'SESSION_ERR_NO_ROUTE'
  | 'SESSION_ERR_BAD_REQUEST'
  | 'SESSION_ERR_BAD_MEDIA_TYPE'
  | 'SESSION_ERR_TOO_LARGE'
  | 'SESSION_ERR_PRECONDITION_REQUIRED'
  | 'SESSION_ERR_VERSION_MISMATCH'
  | 'SESSION_ERR_CONFLICT'
  | 'SESSION_ERR_UNAVAILABLE'
  | 'SESSION_ERR_DURABLE_UNAVAILABLE'
  | 'SESSION_ERR_INTERNAL';

/** An error a client sees: `{ error: { code, message } }` with `statusCode`. */
export class SessionError extends ScaleoutError {
  declare readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, statusCode: number, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { statusCode, cause: options.cause });
  }
}

export class SessionNotFoundError extends SessionError {
  constructor() {
    super('SESSION_ERR_NOT_FOUND', 404, 'no such session (unknown, expired, deleted or malformed id)');
  }
}

export class VersionMismatchError extends SessionError {
  readonly currentVersion: number | undefined;
  constructor(expected: number, current: number | undefined) {
    super(
      'SESSION_ERR_VERSION_MISMATCH',
      412,
      current === undefined
        ? `If-Match version ${expected} lost to a concurrent write`
        : `If-Match version ${expected} is stale: the session is at version ${current}`,
    );
    this.currentVersion = current;
  }
}

export class SessionTooLargeError extends SessionError {
  constructor(bytes: number, limit: number) {
    super('SESSION_ERR_TOO_LARGE', 413, `session data of ${bytes} bytes is over the limit of ${limit} bytes`);
  }
}

export class SessionUnavailableError extends SessionError {
  constructor(what: string, cause?: unknown) {
    super('SESSION_ERR_UNAVAILABLE', 503, `session storage unavailable: ${what}`, { cause });
  }
}

export class DurableUnavailableError extends SessionError {
  constructor(cause?: unknown) {
    super('SESSION_ERR_DURABLE_UNAVAILABLE', 503, 'the durable session store (MariaDB) is unavailable', { cause });
  }
}

export class SessionConflictError extends SessionError {
  constructor(message: string) {
    super('SESSION_ERR_CONFLICT', 409, message);
  }
}
