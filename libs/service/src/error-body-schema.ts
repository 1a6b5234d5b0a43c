/**
 * JSON schema of the error body of the admin and control APIs: `{ code, message }` (a stable error
 * code and a sentence), with an optional `error` (the HTTP reason phrase). Use it as the response
 * schema of every error status of a route.
 */
export const errorBodySchema = {
  type: 'object',
  properties: { error: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

/**
 * JSON schema of the public APIs' error body (web's `/api`, the session service):
 * `{ error: { code, message } }`, the `nested` shape of installErrorHandler.
 */
export const apiErrorBodySchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;
