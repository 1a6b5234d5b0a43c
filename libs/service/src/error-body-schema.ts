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
