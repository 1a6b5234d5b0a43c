import { request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request without keep-alive (each call is a new connection, like a new client). */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A cookie jar of name=value pairs (enough for our services: no domains or paths). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(headers: HttpResponse['headers']): void {
    const set = headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(except: string[] = []): string {
    return [...this.#cookies].filter(([n]) => !except.includes(n)).map(([n, v]) => `${n}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}

/** A shop client: JSON API calls with the cookie jar and the CSRF header. */
export class ShopClient {
  readonly jar = new CookieJar();
  constructor(public base: string) {}

  async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<HttpResponse & { json: () => unknown }> {
    const headers: Record<string, string> = { 'x-requested-with': 'scaleout-tests', ...extra };
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await http(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    this.jar.store(res.headers);
    return { ...res, json: () => JSON.parse(res.body) as unknown };
  }
}
