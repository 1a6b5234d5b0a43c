export type { AdminErrorBody, ApiErrorBody } from './error-body.js';
export type { SessionDataBody, SessionView } from './session-api.js';
export { lbServersPath, type AddServerBody, type LbAdminState, type PoolsAnswer, type PoolView, type ServerStateBody, type ServerView, type ServerWeightBody } from './lb-admin-api.js';
