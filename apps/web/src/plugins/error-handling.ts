import { describeServiceError, errorBody } from '@scaleout/service';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { WebError } from '../errors.js';
import { errorPage } from '../views/pages.js';
import { anonymousContext, pageContext, sendHtml } from '../routes/route-helpers.js';
import type { WebContext } from '../web-context.js';

interface Described {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
}

/** What a client reads for a 5xx: fixed text, never the internal message (addresses, driver errors). */
const PUBLIC_MESSAGES: Record<string, string> = {
  WEB_ERR_DB_UNAVAILABLE: 'the database is not reachable right now',
  WEB_ERR_SESSION_UNAVAILABLE: 'the session service is not reachable right now',
};

/**
 * Maps any error to what the client may see: coded web errors with their message (4xx) or a fixed
 * text (5xx), Fastify's own 4xx as bad requests, anything else as a bare 500.
 */
export function describeError(err: unknown): Described {
  if (err instanceof WebError) {
    const message = err.statusCode >= 500 ? (PUBLIC_MESSAGES[err.code] ?? 'internal error') : err.message;
    return { status: err.statusCode, code: err.code, message, retryAfter: err.retryAfterSeconds };
  }
  return describeServiceError(err, {
    prefix: 'WEB',
    errorClass: WebError,
    describe: (fe) => (Array.isArray(fe.validation) ? { status: 400, code: 'WEB_ERR_VALIDATION', message: fe.message ?? 'invalid request' } : undefined),
  });
}

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/') || request.url === '/api';

async function respond(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, d: Described): Promise<FastifyReply> {
  if (d.retryAfter !== undefined) reply.header('retry-after', String(d.retryAfter));
  if (isApi(request)) return reply.code(d.status).type('application/json; charset=utf-8').send(errorBody('nested', d));
  // The header shows the login state when the session is reachable; an error page never depends on it.
  let page = anonymousContext(ctx);
  if (d.code !== 'WEB_ERR_SESSION_UNAVAILABLE' && d.status < 500) {
    try {
      page = await pageContext(ctx, request);
    } catch {
      page = anonymousContext(ctx);
    }
  }
  return sendHtml(reply, d.status, errorPage(page, d.status, d.code, d.message));
}

/**
 * Error and not-found handling for pages (HTML error page) and the API (`{ error: { code, message } }`).
 * 5xx answers never carry internals: the client sees the code and a fixed message, the log gets the
 * error with its stack. Dependency failures (database, session service) answer 503 with Retry-After.
 */
const errorHandling: FastifyPluginAsync<{ ctx: WebContext }> = async (app, { ctx }) => {
  app.setErrorHandler(async (err, request, reply) => {
    const d = describeError(err);
    if (d.status >= 500) {
      const level = d.status === 503 ? 'warn' : 'error';
      request.log[level]({ err, code: d.code, route: request.routeOptions.url }, 'request failed');
    }
    return respond(ctx, request, reply, d);
  });
  app.setNotFoundHandler(async (request, reply) =>
    respond(ctx, request, reply, { status: 404, code: 'WEB_ERR_NOT_FOUND', message: `nothing at ${request.url.split('?')[0]!.slice(0, 200)}` }),
  );
};

export default fp(errorHandling, { name: 'web-error-handling' });
