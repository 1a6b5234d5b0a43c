import { ScaleoutError } from '@scaleout/service';

/**
 * Stable error codes of the load balancer, with the HTTP status the LB answers with. Responses the LB
 * generates carry the code in `X-Scaleout-Error`; the README lists every code.
 */
export const LB_ERRORS = {
  LB_ERR_BAD_REQUEST: { status: 400, text: 'Bad Request' },
  LB_ERR_BAD_HEADER: { status: 400, text: 'Bad Request' },
  LB_ERR_BAD_FRAMING: { status: 400, text: 'Bad Request' },
  LB_ERR_BAD_CHUNK: { status: 400, text: 'Bad Request' },
  LB_ERR_HEADER_TIMEOUT: { status: 408, text: 'Request Timeout' },
  LB_ERR_BODY_TIMEOUT: { status: 408, text: 'Request Timeout' },
  LB_ERR_BODY_TOO_LARGE: { status: 413, text: 'Content Too Large' },
  LB_ERR_URI_TOO_LONG: { status: 414, text: 'URI Too Long' },
  LB_ERR_HEADERS_TOO_LARGE: { status: 431, text: 'Request Header Fields Too Large' },
  LB_ERR_METHOD: { status: 501, text: 'Not Implemented' },
  LB_ERR_UNSUPPORTED_TE: { status: 501, text: 'Not Implemented' },
  LB_ERR_VERSION: { status: 505, text: 'HTTP Version Not Supported' },
  LB_ERR_BAD_GATEWAY: { status: 502, text: 'Bad Gateway' },
  LB_ERR_BAD_RESPONSE: { status: 502, text: 'Bad Gateway' },
  LB_ERR_NO_SERVER: { status: 503, text: 'Service Unavailable' },
  LB_ERR_QUEUE_FULL: { status: 503, text: 'Service Unavailable' },
  LB_ERR_QUEUE_TIMEOUT: { status: 503, text: 'Service Unavailable' },
  LB_ERR_SHUTTING_DOWN: { status: 503, text: 'Service Unavailable' },
  LB_ERR_SERVER_TIMEOUT: { status: 504, text: 'Gateway Timeout' },
  LB_ERR_UNAUTHORIZED: { status: 401, text: 'Unauthorized' },
  LB_ERR_PURGE_FORBIDDEN: { status: 403, text: 'Forbidden' },
  LB_ERR_PURGE_NOT_ALLOWED: { status: 405, text: 'Method Not Allowed' },
  LB_ERR_NOT_FOUND: { status: 404, text: 'Not Found' },
  LB_ERR_CONFLICT: { status: 409, text: 'Conflict' },
  LB_ERR_INVALID: { status: 400, text: 'Bad Request' },
  LB_ERR_CONFIG: { status: 500, text: 'Internal Server Error' },
  LB_ERR_TLS: { status: 500, text: 'Internal Server Error' },
} as const;

export type LbErrorCode = keyof typeof LB_ERRORS;

/** An error with a stable LB code; `statusCode` comes from {@link LB_ERRORS}. */
export class LbError extends ScaleoutError {
  declare readonly code: LbErrorCode;
  constructor(code: LbErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { statusCode: LB_ERRORS[code].status, cause: options.cause });
  }
}

/** A protocol violation found while parsing: the code to answer with and a reason for the log. */
export interface ProtocolFault {
  readonly fault: LbErrorCode;
  readonly reason: string;
}

export function fault(code: LbErrorCode, reason: string): ProtocolFault {
  return { fault: code, reason };
}

export function isFault(v: unknown): v is ProtocolFault {
  return typeof v === 'object' && v !== null && 'fault' in v;
}
