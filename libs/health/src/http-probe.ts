import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { abortError, HealthBodyError, HealthConnectError, HealthIoError, HealthOptionError, HealthStatusError, toError } from './health-error.js';
import type { Probe, ProbeResult } from './probe.js';

export type ExpectStatus = number | readonly number[] | ((status: number) => boolean);

export interface HttpProbeOptions {
  /** http: or https: URL to request. */
  url: string | URL;
  /** Default 'GET'. */
  method?: string;
  /** Accepted status: one code, a list, or a predicate. Default 200. */
  expectStatus?: ExpectStatus;
  /** Extra request headers (e.g. `host` for a virtual host). */
  headers?: Readonly<Record<string, string>>;
  /** When set, the body (up to `maxBodyBytes`) must contain this text. */
  expectBodyIncludes?: string;
  /** Bytes of body read at most; the rest is not waited for. Default 65536. */
  maxBodyBytes?: number;
  /** For https: verify the server certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** For https: extra trusted CA certificates (PEM). */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

const DEFAULT_MAX_BODY = 64 * 1024;

/**
 * An HTTP(S) health probe. Every request uses its own connection (`agent: false`, `Connection: close`),
 * which is destroyed when the probe settles, so nothing is pooled and nothing leaks. The body is read
 * (and discarded unless `expectBodyIncludes` needs it) up to `maxBodyBytes`.
 */
export function httpProbe(options: HttpProbeOptions): Probe {
  const url = parseUrl(options.url);
  const method = (options.method ?? 'GET').toUpperCase();
  const accepts = statusMatcher(options.expectStatus ?? 200);
  const expectBody = options.expectBodyIncludes;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new HealthOptionError(`maxBodyBytes must be an integer ≥ 0, got ${String(maxBodyBytes)}`);
  }
  if (expectBody !== undefined && Buffer.byteLength(expectBody) > maxBodyBytes) {
    throw new HealthOptionError('expectBodyIncludes is longer than maxBodyBytes');
  }
  const headers: Record<string, string> = {
    'user-agent': 'scaleout-health/0.1',
    accept: '*/*',
    ...options.headers,
    connection: 'close',
  };
  const display = url.href;
  const address = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  const transport = url.protocol === 'https:' ? https : http;
  const tls =
    url.protocol === 'https:'
      ? { rejectUnauthorized: options.rejectUnauthorized ?? true, ...(options.ca ? { ca: options.ca as string | Buffer | Array<string | Buffer> } : {}) }
      : {};

  return (signal: AbortSignal): Promise<ProbeResult> =>
    new Promise<ProbeResult>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(signal));
        return;
      }
      let settled = false;
      let connected = false;
      let socket: Socket | undefined;

      const finish = (err: Error | undefined, value?: ProbeResult): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        socket?.destroy();
        if (err) reject(err);
        else resolve(value ?? {});
      };
      const onAbort = (): void => finish(abortError(signal));

      const req = transport.request(url, { method, headers, agent: false, ...tls });
      signal.addEventListener('abort', onAbort, { once: true });

      req.on('socket', (s: Socket) => {
        socket = s;
        if (!s.connecting) connected = true;
        else s.once('connect', () => (connected = true));
      });
      req.on('error', (err: Error) => {
        if (signal.aborted) finish(abortError(signal));
        else if (connected) finish(new HealthIoError(`HTTP check of ${display} failed`, err));
        else finish(new HealthConnectError(address, err));
      });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (!accepts(status)) {
          res.resume();
          finish(new HealthStatusError(status, display));
          return;
        }
        readBody(res, expectBody === undefined ? 0 : maxBodyBytes, maxBodyBytes, (err, body) => {
          if (err) {
            finish(signal.aborted ? abortError(signal) : new HealthIoError(`reading the response of ${display} failed`, err));
          } else if (expectBody !== undefined && !body.includes(expectBody)) {
            finish(new HealthBodyError(status, display, expectBody));
          } else {
            finish(undefined, { status });
          }
        });
      });
      req.end();
    });
}

/**
 * Read the response until its end or until `limit` bytes, keeping the first `keep` bytes as text.
 * Stops early (without waiting for the end) once the limit is reached.
 */
function readBody(
  res: IncomingMessage,
  keep: number,
  limit: number,
  done: (err: Error | undefined, body: string) => void,
): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  let over = false;
  const end = (err: Error | undefined): void => {
    if (over) return;
    over = true;
    res.removeListener('data', onData);
    done(err, Buffer.concat(chunks).toString('utf8'));
  };
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (kept < keep) {
      const part = chunk.subarray(0, keep - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (seen >= limit) end(undefined);
  };
  res.on('data', onData);
  res.once('end', () => end(undefined));
  res.once('error', (err) => end(err));
  res.once('close', () => {
    if (!res.complete) end(new Error('connection closed before the end of the response'));
  });
}

function statusMatcher(expect: ExpectStatus): (status: number) => boolean {
  if (typeof expect === 'function') {
    return (status) => {
      try {
        return expect(status) === true;
      } catch {
        return false;
      }
    };
  }
  const list = typeof expect === 'number' ? [expect] : [...expect];
  if (list.length === 0 || !list.every((s) => Number.isInteger(s) && s >= 100 && s <= 999)) {
    throw new HealthOptionError(`expectStatus must be an HTTP status, a non-empty list of them, or a function`);
  }
  const set = new Set(list);
  return (status) => set.has(status);
}

function parseUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch (err) {
    throw new HealthOptionError(`url is not a valid URL: ${toError(err).message}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HealthOptionError(`url must be http: or https:, got ${url.protocol}`);
  }
  return url;
}
