/**
 * The error body of every admin and control API (LB, DNS, db-proxy, stack): a stable code and a
 * sentence; `error` repeats the code. Written by libs/service's error handler (`flat` shape).
 */
export interface AdminErrorBody {
  error?: string;
  code: string;
  message: string;
}

/** The error body of the public APIs (web's `/api`, the session service). */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
