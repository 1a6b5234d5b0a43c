// A browser-like client of the shop's JSON API: one cookie jar (the web session cookie `sid` and
// the LB's sticky cookie `SRV`) used against several entry points (lb1 and lb2).
import { request as httpsRequest } from 'node:https';

export interface ShopResponse<T = unknown> {
  status: number;
  body: T;
  servedBy: string | null;
  via: string | null;
}

export class ShopClient {
  readonly #cookies = new Map<string, string>();
  readonly #bases: string[];

  /** `bases`: entry points such as `http://127.0.0.1:32768` (lb1) and `http://127.0.0.1:32770` (lb2). */
  constructor(bases: string[]) {
    this.#bases = bases;
  }

  /** Cookie names held (never values in messages). */
  get cookieNames(): string[] {
    return [...this.#cookies.keys()].sort();
  }

  /** A JSON API call through entry point `via` (index into the bases). */
  async call<T = unknown>(via: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ShopResponse<T>> {
    const base = this.#bases[via];
    if (!base) throw new Error(`no entry point ${via}`);
    const h: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'scaleout-tests', ...headers };
    if (this.#cookies.size > 0) h.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(new URL(path, base), {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, servedBy: res.headers.get('x-served-by'), via: res.headers.get('via') };
  }
}

/** GET over HTTPS accepting the LB's self-signed development certificate. */
export function httpsGet(port: number, path: string): Promise<{ status: number; servedBy: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, method: 'GET', rejectUnauthorized: false, servername: 'www.scaleout.test', timeout: 15_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy: res.headers['x-served-by'] as string | undefined, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('HTTPS request timed out')));
    req.on('error', reject);
    req.end();
  });
}
