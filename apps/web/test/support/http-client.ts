// A small cookie-keeping HTTP client for service tests (one "browser" per instance).
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends one request: a real HTTP call or a Fastify `inject`. */
export type Transport = (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<HttpResult>;

export function httpTransport(base: string): Transport {
  return (method, path, headers, body) => httpCall(`${base}${path}`, { method, headers, body });
}

interface Injectable {
  inject(opts: { method: string; url: string; headers: Record<string, string>; payload?: string; remoteAddress?: string }): PromiseLike<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    body: string;
  }>;
}

/** Requests through `app.inject` (from `remoteAddress`, default 127.0.0.1). */
export function injectTransport(app: Injectable, remoteAddress = '127.0.0.1'): Transport {
  return async (method, path, headers, body) => {
    const res = await app.inject({ method, url: path, headers, payload: body, remoteAddress });
    const h: Record<string, string | string[] | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) h[k] = typeof v === 'number' ? String(v) : v;
    return { status: res.statusCode, headers: h, text: res.body, json: <T>() => JSON.parse(res.body) as T };
  };
}

/** Keeps the cookies a server sets (like a browser would for one site) and sends them back. */
export class CookieClient {
  readonly cookies = new Map<string, string>();
  send: Transport;
  constructor(transport: Transport | string) {
    this.send = typeof transport === 'string' ? httpTransport(transport) : transport;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async call(method: string, path: string, options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.send(method, path, headers, body);
    this.remember(res.headers['set-cookie']);
    return res;
  }

  /** The `_csrf` value of the first form in an HTML page. */
  static csrfOf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('no CSRF token in the page');
    return m[1]!;
  }

  /** JSON API call with the CSRF marker header. */
  api(method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.call(method, `/api${path}`, { json, headers: { 'x-requested-with': 'test', ...headers } });
  }

  remember(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
