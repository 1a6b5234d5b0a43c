import type { Agent } from 'node:http';
import type { SessionView } from '@scaleout/contracts';
import { isRandomId } from '@scaleout/hashing';
import { EndpointList } from '../endpoint-list.js';
import { SessionUnavailableError } from '../errors.js';
import type { WebMetrics } from '../web-metrics.js';
import { createAgent, HttpCallError, jsonCall, type JsonResponse } from './json-http.js';

/** A session as the session service returns it: the contract's `{ id, version, data, expiresAt }`. */
export type SessionRecord<D = Record<string, unknown>> = SessionView<D>;

export interface SessionClientOptions {
  /** Base URLs of equivalent session-service instances, in preference order. */
  urls: readonly string[];
  timeoutMs?: number;
  /** How long an instance that failed is skipped. Default 2000. */
  retryAfterMs?: number;
  metrics?: WebMetrics;
  agent?: Agent;
}

type Op = 'create' | 'get' | 'replace' | 'delete' | 'touch' | 'rotate' | 'health';

interface CallPlan {
  op: Op;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether a call whose outcome is unknown (timeout, reset, 5xx) may be repeated on the next instance.
   * A call that surely never reached a server (connection refused) always moves on.
   */
  repeatable: boolean;
}


/**
 * Client of the session service's HTTP API (its types in @scaleout/contracts, its routes in apps/session/README.md):
 * `POST /v1/sessions`, `GET|PUT|DELETE /v1/sessions/:id` (PUT with `If-Match: <version>`, 412 when
 * stale), `POST /v1/sessions/:id/touch`, `POST /v1/sessions/:id/rotate`. Instances are used in order
 * with failover; every call is bounded by `timeoutMs`. Failures surface as
 * {@link SessionUnavailableError} (HTTP 503 for the browser).
 */
export class SessionClient {
  readonly #endpoints: EndpointList<URL>;
  readonly #timeoutMs: number;
  readonly #metrics: WebMetrics | undefined;
  readonly #agent: Agent;
  readonly #ownAgent: boolean;

  constructor(options: SessionClientOptions) {
    this.#endpoints = new EndpointList(
      options.urls.map((u) => new URL(u.endsWith('/') ? u : `${u}/`)),
      { retryAfterMs: options.retryAfterMs ?? 2000 },
    );
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#metrics = options.metrics;
    this.#ownAgent = options.agent === undefined;
    this.#agent = options.agent ?? createAgent();
  }

  /** Creates a session holding `data`. */
  async create<D>(data: D): Promise<SessionRecord<D>> {
    const res = await this.#call({ op: 'create', method: 'POST', path: 'v1/sessions', body: { data }, repeatable: true });
    if (res.status === 201 || res.status === 200) return this.#record<D>(res, 'create');
    throw this.#unexpected('create', res);
  }

  /** The session, or null when it does not exist (expired, deleted, malformed id). */
  async get<D>(id: string): Promise<SessionRecord<D> | null> {
    if (!isRandomId(id)) return null;
    const res = await this.#call({ op: 'get', method: 'GET', path: `v1/sessions/${id}`, repeatable: true });
    if (res.status === 200) return this.#record<D>(res, 'get');
    if (res.status === 404) return null;
    throw this.#unexpected('get', res);
  }

  /**
   * Replaces the data if the stored version is still `version`: the new record, `'conflict'` when
   * someone wrote first (412/409), or null when the session is gone.
   */
  async replace<D>(id: string, version: number, data: D): Promise<SessionRecord<D> | 'conflict' | null> {
    if (!isRandomId(id)) return null;
    const res = await this.#call({
      op: 'replace',
      method: 'PUT',
      path: `v1/sessions/${id}`,
      body: { data },
      headers: { 'if-match': String(version) },
      repeatable: false,
    });
    if (res.status === 200 || res.status === 201) return this.#record<D>(res, 'replace');
    if (res.status === 412 || res.status === 409) return 'conflict';
    if (res.status === 404) return null;
    throw this.#unexpected('replace', res);
  }

  /** Deletes the session (no error when it is already gone). */
  async delete(id: string): Promise<void> {
    if (!isRandomId(id)) return;
    const res = await this.#call({ op: 'delete', method: 'DELETE', path: `v1/sessions/${id}`, repeatable: true });
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 404) return;
    throw this.#unexpected('delete', res);
  }

  /** Extends the idle lifetime; false when the session is gone. */
  async touch(id: string): Promise<boolean> {
    if (!isRandomId(id)) return false;
    const res = await this.#call({ op: 'touch', method: 'POST', path: `v1/sessions/${id}/touch`, repeatable: true });
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status === 404) return false;
    throw this.#unexpected('touch', res);
  }

  /** Moves the session to a new id (same data; the old id stops working): the new record, or null when it is gone. */
  async rotate<D>(id: string): Promise<SessionRecord<D> | null> {
    if (!isRandomId(id)) return null;
    const res = await this.#call({ op: 'rotate', method: 'POST', path: `v1/sessions/${id}/rotate`, repeatable: false });
    if (res.status === 200 || res.status === 201) return this.#record<D>(res, 'rotate');
    if (res.status === 404) return null;
    throw this.#unexpected('rotate', res);
  }

  /** Resolves when some instance answers `GET /readyz` with 200. */
  async ping(): Promise<void> {
    const res = await this.#call({ op: 'health', method: 'GET', path: 'readyz', repeatable: true });
    if (res.status !== 200) throw this.#unexpected('health', res);
  }

  close(): void {
    if (this.#ownAgent) this.#agent.destroy();
  }

  // --- internals ------------------------------------------------------------------------------------

  async #call(plan: CallPlan): Promise<JsonResponse> {
    const started = process.hrtime.bigint();
    let result = 'error';
    let lastError: unknown;
    try {
      for (const base of this.#endpoints.order()) {
        let res: JsonResponse;
        try {
          res = await jsonCall(this.#agent, plan.method, new URL(plan.path, base), {
            body: plan.body,
            headers: plan.headers,
            timeoutMs: this.#timeoutMs,
          });
        } catch (err) {
          lastError = err;
          this.#endpoints.markDown(base);
          if (err instanceof HttpCallError && (!err.sent || plan.repeatable)) continue;
          result = 'unavailable';
          throw new SessionUnavailableError(`session service: ${(err as Error).message}`, err);
        }
        if (res.status >= 500) {
          lastError = new Error(`${base.host} answered ${res.status}`);
          this.#endpoints.markDown(base);
          if (plan.repeatable) continue;
          result = 'unavailable';
          throw new SessionUnavailableError(`session service answered ${res.status}`);
        }
        this.#endpoints.markUp(base);
        result = String(res.status);
        return res;
      }
      result = 'unavailable';
      throw new SessionUnavailableError(`no session service instance answered: ${(lastError as Error | undefined)?.message ?? ''}`, lastError);
    } finally {
      this.#metrics?.sessionRequests.inc({ op: plan.op, result });
      this.#metrics?.sessionDuration.observe({ op: plan.op }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  #record<D>(res: JsonResponse, op: Op): SessionRecord<D> {
    const b = res.body as Partial<SessionRecord<D>> | undefined;
    if (!b || typeof b.id !== 'string' || typeof b.version !== 'number' || typeof b.data !== 'object' || typeof b.expiresAt !== 'string') {
      throw new SessionUnavailableError(`session service ${op}: malformed answer`);
    }
    return { id: b.id, version: b.version, data: (b.data ?? {}) as D, expiresAt: b.expiresAt };
  }

  #unexpected(op: Op, res: JsonResponse): SessionUnavailableError {
    return new SessionUnavailableError(`session service ${op}: unexpected status ${res.status}`);
  }
}
