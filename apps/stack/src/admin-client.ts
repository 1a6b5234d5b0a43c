import { StackError } from './stack-error.js';

export interface AdminCall {
  method: string;
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

export interface AdminAnswer {
  url: string;
  status: number;
  body: unknown;
}

/**
 * Calls an instance's admin API with the stack's token; a network failure answers status 0 with the
 * message (the caller decides what one unreachable instance means).
 */
export async function callAdmin(baseUrl: string, token: string, call: AdminCall): Promise<AdminAnswer> {
  const url = `${baseUrl}${call.path}`;
  try {
    const res = await fetch(url, {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs ?? 5000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { url, status: res.status, body };
  } catch (err) {
    return { url, status: 0, body: { code: 'STACK_ERR_UNREACHABLE', message: (err as Error).message } };
  }
}

/** Calls the first of equivalent admin APIs that answers (the db-proxies agree on the writer). */
export async function callFirstAdmin(baseUrls: string[], token: string, call: AdminCall): Promise<unknown> {
  let last = 'no admin API configured';
  for (const base of baseUrls) {
    const a = await callAdmin(base, token, call);
    if (a.status === 0) {
      last = (a.body as { message: string }).message;
      continue;
    }
    const b = (a.body ?? {}) as { code?: string; message?: string };
    if (a.status >= 400) throw new StackError(b.code ?? 'STACK_ERR_REQUEST', b.message ?? `HTTP ${a.status} from ${a.url}`, a.status);
    return a.body;
  }
  throw new StackError('STACK_ERR_NOT_RUNNING', `no admin API answers (${last})`, 503);
}
