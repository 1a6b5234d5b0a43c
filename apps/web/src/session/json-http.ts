import { Agent, request } from 'node:http';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
}

/** A failure before a response arrived; `sent` is false when the request surely never reached the server (connection refused). */
export class HttpCallError extends Error {
  readonly code: string;
  readonly sent: boolean;
  constructor(message: string, code: string, sent: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HttpCallError';
    this.code = code;
    this.sent = sent;
  }
}

const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL', 'EAI_AGAIN']);
const MAX_BODY = 4 * 1024 * 1024;

/** Keep-alive agent shared by the calls of one client. */
export function createAgent(maxSockets = 128): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: 32, timeout: 30_000 });
}

/**
 * One HTTP/1.1 call with a JSON body and a JSON answer, bounded by `timeoutMs` from start to the last
 * byte. Rejects with {@link HttpCallError} on connection errors, timeouts and oversized answers.
 */
export function jsonCall(
  agent: Agent,
  method: string,
  url: URL,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs: number },
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    let done = false;
    const fail = (err: HttpCallError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) fail(new HttpCallError(`answer from ${url.host} is larger than ${MAX_BODY} bytes`, 'TOO_LARGE', true));
        else chunks.push(c);
      });
      res.on('error', (err) => fail(new HttpCallError(`reading the answer from ${url.host}: ${err.message}`, 'ECONNRESET', true, err)));
      res.on('end', () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        if (text !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    const timer = setTimeout(
      () => fail(new HttpCallError(`${method} ${url.pathname} on ${url.host} timed out after ${options.timeoutMs} ms`, 'TIMEOUT', true)),
      options.timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'ERROR';
      fail(new HttpCallError(`${method} ${url.pathname} on ${url.host}: ${err.message}`, code, !NOT_SENT.has(code), err));
    });
    req.end(payload);
  });
}
