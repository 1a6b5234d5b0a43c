// A minimal in-memory stand-in for the session service's HTTP contract, for UNIT tests of the web
// tier's client only (service and browser tests use the real apps/session).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomId } from '@scaleout/hashing';

interface Stored {
  id: string;
  version: number;
  data: Record<string, unknown>;
}

export interface FakeSessionServer {
  readonly url: string;
  readonly sessions: Map<string, Stored>;
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[];
  /** Answer the next `n` requests with this status (e.g. 503). */
  failNext(status: number, n?: number): void;
  /** Hold every answer this long (ms). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startFakeSessionServer(): Promise<FakeSessionServer> {
  const sessions = new Map<string, Stored>();
  const requests: string[] = [];
  let failing: { status: number; n: number } | undefined;
  const state = { delayMs: 0 };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push(`${req.method} ${path}`);
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as { data?: Record<string, unknown> }) : {};
      const send = (status: number, payload?: unknown) => {
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': 'fake-session' });
          res.end(payload === undefined ? '' : JSON.stringify(payload));
        }, state.delayMs);
      };
      const view = (s: Stored) => ({ ...s, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      if (failing && failing.n > 0) {
        failing.n--;
        return send(failing.status, { error: { code: 'FAKE', message: 'forced' } });
      }
      if (path === '/readyz') return send(200, { status: 'ready' });
      if (req.method === 'POST' && path === '/v1/sessions') {
        const s = { id: randomId(), version: 1, data: body.data ?? {} };
        sessions.set(s.id, s);
        return send(201, view(s));
      }
      const m = /^\/v1\/sessions\/([^/]+)(\/touch|\/rotate)?$/.exec(path);
      const s = m ? sessions.get(m[1]!) : undefined;
      if (!m || !s) return send(404, { error: { code: 'NOT_FOUND', message: 'no such session' } });
      if (m[2] === '/touch') return send(200, view(s));
      if (m[2] === '/rotate') {
        sessions.delete(s.id);
        const moved = { ...s, id: randomId(), version: s.version + 1 };
        sessions.set(moved.id, moved);
        return send(200, view(moved));
      }
      if (req.method === 'GET') return send(200, view(s));
      if (req.method === 'DELETE') {
        sessions.delete(s.id);
        return send(204);
      }
      if (req.method === 'PUT') {
        if (Number(req.headers['if-match']) !== s.version) return send(412, { error: { code: 'MISMATCH', message: 'stale' } });
        s.version++;
        s.data = body.data ?? {};
        return send(200, view(s));
      }
      return send(405);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    requests,
    failNext(status, n = 1) {
      failing = { status, n };
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
