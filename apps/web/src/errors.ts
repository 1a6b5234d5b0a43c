import { ScaleoutError } from '@scaleout/service';

/** Stable error codes of the web tier (listed with their HTTP status in the README). */
export type WebErrorCode =
  | 'WEB_ERR_VALIDATION'
  | 'WEB_ERR_NOT_FOUND'
  | 'WEB_ERR_CSRF'
  | 'WEB_ERR_LOGIN_REQUIRED'
  | 'WEB_ERR_BAD_CREDENTIALS'
  | 'WEB_ERR_RATE_LIMITED'
  | 'WEB_ERR_USERNAME_TAKEN'
  | 'WEB_ERR_FORBIDDEN'
  | 'WEB_ERR_EMPTY_CART'
  | 'WEB_ERR_OUT_OF_STOCK'
  | 'WEB_ERR_CART_CONFLICT'
  | 'WEB_ERR_DB_UNAVAILABLE'
  | 'WEB_ERR_SESSION_UNAVAILABLE'
  | 'WEB_ERR_INTERNAL';

/** Base of every coded web error; `retryAfterSeconds` becomes a `Retry-After` header. */
export class WebError extends ScaleoutError {
  declare readonly code: WebErrorCode;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: WebErrorCode, message: string, statusCode: number, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(code, message, { statusCode, cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class ValidationError extends WebError {
  constructor(message: string) {
    super('WEB_ERR_VALIDATION', message, 400);
  }
}

export class NotFoundError extends WebError {
  constructor(message = 'not found') {
    super('WEB_ERR_NOT_FOUND', message, 404);
  }
}

export class CsrfError extends WebError {
  constructor(message = 'missing or invalid CSRF token') {
    super('WEB_ERR_CSRF', message, 403);
  }
}

export class LoginRequiredError extends WebError {
  constructor() {
    super('WEB_ERR_LOGIN_REQUIRED', 'log in first', 401);
  }
}

export class BadCredentialsError extends WebError {
  constructor() {
    super('WEB_ERR_BAD_CREDENTIALS', 'wrong user name or password', 401);
  }
}

export class RateLimitedError extends WebError {
  constructor(retryAfterSeconds: number) {
    super('WEB_ERR_RATE_LIMITED', 'too many failed logins; try again later', 429, { retryAfterSeconds });
  }
}

export class UsernameTakenError extends WebError {
  constructor() {
    super('WEB_ERR_USERNAME_TAKEN', 'that user name is taken', 409);
  }
}

export class ForbiddenError extends WebError {
  constructor(message = 'missing or wrong admin token') {
    super('WEB_ERR_FORBIDDEN', message, 403);
  }
}

export class EmptyCartError extends WebError {
  constructor() {
    super('WEB_ERR_EMPTY_CART', 'the cart is empty', 409);
  }
}

export class OutOfStockError extends WebError {
  readonly productId: number;
  constructor(productId: number) {
    super('WEB_ERR_OUT_OF_STOCK', `not enough stock of product ${productId}`, 409);
    this.productId = productId;
  }
}

export class CartConflictError extends WebError {
  constructor() {
    super('WEB_ERR_CART_CONFLICT', 'the cart was changed concurrently too many times; try again', 409);
  }
}

export class DbUnavailableError extends WebError {
  constructor(message: string, cause?: unknown) {
    super('WEB_ERR_DB_UNAVAILABLE', message, 503, { cause, retryAfterSeconds: 5 });
  }
}

export class SessionUnavailableError extends WebError {
  constructor(message: string, cause?: unknown) {
    super('WEB_ERR_SESSION_UNAVAILABLE', message, 503, { cause, retryAfterSeconds: 5 });
  }
}

/** Whether `err` is a {@link WebError} (optionally with one of `codes`). */
export function isWebError(err: unknown, ...codes: WebErrorCode[]): err is WebError {
  return err instanceof WebError && (codes.length === 0 || codes.includes(err.code));
}
