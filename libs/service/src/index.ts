export { ScaleoutError } from './scaleout-error.js';
export { ConfigError } from './config-error.js';
export {
  env,
  loadConfig,
  loadConfigOrExit,
  parseDuration,
  parseHostPort,
  toEnvName,
  type ConfigOf,
  type ConfigSpec,
  type Field,
  type FieldContext,
  type HostPort,
  type LoadConfigOptions,
} from './config.js';
export { commonFields } from './common-config.js';
export { createLogger, type Logger, type LoggerOptions } from './create-logger.js';
export { Readiness, type ReadinessCheck, type ReadinessReport, type CheckReport } from './readiness.js';
export { default as healthRoutes, type HealthRoutesOptions } from './health-routes.js';
export { buildAdminApp, startAdminServer, type AdminServer, type AdminServerOptions } from './admin-server.js';
export { runService, type Closer, type RunServiceOptions, type ServiceHandle } from './run-service.js';
export { fastifyLogging } from './fastify-logging.js';
export { adminTokenSpec, bearerChecker, DEV_ADMIN_TOKEN, loadAdminToken } from './bearer-token.js';
export {
  describeServiceError,
  errorBody,
  installErrorHandler,
  servedBy,
  type DescribedError,
  type ErrorBodyShape,
  type ErrorHandlerOptions,
} from './error-handler.js';
export { apiErrorBodySchema, errorBodySchema } from './error-body-schema.js';
