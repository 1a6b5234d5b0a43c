// A tiny round-robin HTTP proxy for tests (a stand-in for apps/lb): each request goes to the next
// backend; a backend that refuses the connection or drops it before answering is skipped and the
// request is sent to the next one (request bodies are buffered so they can be re-sent).
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  readonly url: string;
  /** Backend base URLs in rotation order. */
  backends: string[];
  /** Which backend served each request (in order). */
  readonly served: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const served: string[] = [];
  const state = { backends: [...backends] };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const list = state.backends;
    for (let attempt = 0; attempt < list.length; attempt++) {
      const base = list[next++ % list.length]!;
      const target = new URL(req.url ?? '/', base);
      try {
        await new Promise<void>((resolve, reject) => {
          const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http' };
          const up = httpRequest(target, { method: req.method, headers, agent: false }, (upRes) => {
            served.push(base);
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
            upRes.on('end', () => resolve());
            upRes.on('error', () => resolve());
          });
          up.on('error', reject);
          up.end(body);
        });
        return;
      } catch {
        // try the next backend
      }
    }
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('no backend answered');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get backends() {
      return state.backends;
    },
    set backends(v: string[]) {
      state.backends = [...v];
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
