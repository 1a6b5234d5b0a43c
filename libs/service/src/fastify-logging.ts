import { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from './create-logger.js';

/**
 * Fastify factory options that log through our pino logger. Per-request "incoming request" and
 * "request completed" lines are off unless `requestLogs` is true (metrics cover request rates and
 * latency; errors are still logged by the services' error handlers).
 */
export function fastifyLogging(
  logger: Logger,
  options: { requestLogs?: boolean } = {},
): { loggerInstance: FastifyBaseLogger; logController: LogController } {
  return {
    loggerInstance: logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !options.requestLogs }),
  };
}
