/**
 * The session service's HTTP API (apps/session, called by apps/web): `POST /v1/sessions`,
 * `GET|PUT|DELETE /v1/sessions/:id`, `POST /v1/sessions/:id/touch`, `POST /v1/sessions/:id/rotate`.
 */

/** A session as the service returns it. */
export interface SessionView<D = Record<string, unknown>> {
  id: string;
  /** Starts at 1, +1 on every replace and rotation; sent back as `If-Match` on a replace. */
  version: number;
  data: D;
  /** ISO 8601: when the session expires unless touched (the earlier of idle and absolute expiry). */
  expiresAt: string;
}

/** Body of `POST /v1/sessions` and `PUT /v1/sessions/:id`. */
export interface SessionDataBody<D = Record<string, unknown>> {
  data: D;
}
