import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScaleoutError } from './scaleout-error.js';

/** What a client is told about an error: HTTP status, stable code, one sentence. */
export interface DescribedError {
  status: number;
  code: string;
  message: string;
}

/**
 * The two error bodies of the stack. `flat` — `{ error: code, code, message }` — is the admin and
 * control APIs' (see {@link errorBodySchema}); `nested` — `{ error: { code, message } }` — is the
 * public APIs' (shop, session service), where `error` is the one key a client looks for.
 */
export type ErrorBodyShape = 'flat' | 'nested';

export function errorBody(shape: ErrorBodyShape, d: Pick<DescribedError, 'code' | 'message'>): object {
  return shape === 'flat' ? { error: d.code, code: d.code, message: d.message } : { error: { code: d.code, message: d.message } };
}

export interface ErrorHandlerOptions {
  /** The service's code prefix: `<PREFIX>_ERR_BAD_REQUEST` and `<PREFIX>_ERR_INTERNAL`. */
  prefix: string;
  /** Default `flat`. */
  body?: ErrorBodyShape;
  /** The service's own error class (default every {@link ScaleoutError}); other errors are internal. */
  errorClass?: abstract new (...args: never[]) => ScaleoutError;
  /** Code of framework 4xx errors (validation, bad JSON); default `<PREFIX>_ERR_BAD_REQUEST`. */
  badRequestCode?: string;
  /** Answer framework 4xx errors with 400 whatever their own status (default: keep their status). */
  badRequestAs400?: boolean;
  /** Errors the defaults do not know (checked after coded errors, before the 4xx/500 fallback). */
  describe?: (err: FastifyError) => DescribedError | undefined;
  /** Extra headers (or anything else) on the reply before the body is sent. */
  onReply?: (reply: FastifyReply, d: DescribedError, err: unknown, request: FastifyRequest) => void;
}

/**
 * Maps any error to what the client may see: a coded {@link ScaleoutError} as itself, a framework 4xx
 * (validation, bad JSON, body too large) as a bad request with Fastify's message, anything else as a
 * bare 500 `internal error` (never the internal message: addresses, driver errors).
 */
export function describeServiceError(err: unknown, options: ErrorHandlerOptions): DescribedError {
  if (err instanceof (options.errorClass ?? ScaleoutError)) return { status: err.statusCode, code: err.code, message: err.message };
  if (err instanceof ScaleoutError) return { status: 500, code: `${options.prefix}_ERR_INTERNAL`, message: 'internal error' };
  const fe = err as Partial<FastifyError> | null;
  const own = fe !== null && typeof fe === 'object' ? options.describe?.(fe as FastifyError) : undefined;
  if (own !== undefined) return own;
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status: options.badRequestAs400 ? 400 : status, code: options.badRequestCode ?? `${options.prefix}_ERR_BAD_REQUEST`, message: fe?.message ?? 'bad request' };
  }
  if (fe !== null && typeof fe === 'object' && Array.isArray(fe.validation)) {
    return { status: 400, code: options.badRequestCode ?? `${options.prefix}_ERR_BAD_REQUEST`, message: fe.message ?? 'bad request' };
  }
  return { status: 500, code: `${options.prefix}_ERR_INTERNAL`, message: 'internal error' };
}

/**
 * The error handler of every scaleout Fastify app (or of one encapsulated plugin): answers with
 * {@link describeServiceError} in the chosen body shape and logs every 5xx with its error and stack
 * (503, a dependency being away, at `warn`; the rest at `error`), so no 500 goes unlogged.
 */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  const shape = options.body ?? 'flat';
  app.setErrorHandler((err, request, reply) => {
    const d = describeServiceError(err, options);
    if (d.status >= 500) request.log[d.status === 503 ? 'warn' : 'error']({ err, code: d.code, route: request.routeOptions.url }, 'request failed');
    options.onReply?.(reply, d, err, request);
    return reply.code(d.status).send(errorBody(shape, d));
  });
}

/** Every reply of `app` carries `X-Served-By: <instance>` (which replica answered). */
export function servedBy(app: FastifyInstance, instance: string): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-served-by', instance);
    return payload;
  });
}
