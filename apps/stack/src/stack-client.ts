import { StackError } from './stack-error.js';
import type { InstanceStatus } from './instance-status.js';
import type { StackFigures } from './observatory/stack-figures.js';

/** HTTP client of the control server, used by the CLI. */
export class StackClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async reachable(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  instances(): Promise<InstanceStatus[]> {
    return this.#call('GET', '/api/instances');
  }

  action(name: string, action: string): Promise<InstanceStatus> {
    return this.#call('POST', `/api/instances/${encodeURIComponent(name)}/${action}`);
  }

  scale(service: string, count: number): Promise<InstanceStatus[]> {
    return this.#call('POST', '/api/scale', { service, count });
  }

  figures(): Promise<StackFigures> {
    return this.#call('GET', '/api/metrics');
  }

  down(): Promise<unknown> {
    return this.#call('POST', '/api/down');
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(180_000),
      });
    } catch {
      throw new StackError('STACK_ERR_NOT_RUNNING', `no stack answers at ${this.baseUrl} (start one with: npm start)`, 503);
    }
    if (!res.ok) throw await this.#error(res);
    return (await res.json()) as T;
  }

  async #error(res: Response): Promise<StackError> {
    let code = 'STACK_ERR_REQUEST';
    let message = `HTTP ${res.status}`;
    try {
      const j = (await res.json()) as { code?: string; message?: string };
      code = j.code ?? code;
      message = j.message ?? message;
    } catch {
      // not JSON
    }
    return new StackError(code, message, res.status);
  }
}
