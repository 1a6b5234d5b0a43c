import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { ActiveChecker, HealthError, httpProbe } from '../src/index.js';
import type { Probe } from '../src/index.js';

const HOST = '127.0.0.1';

/** A real HTTP server on a free port with a few routes; tracks its connections. */
class TestServer {
  readonly server: http.Server;
  readonly sockets = new Set<Socket>();
  readonly requests: http.IncomingMessage[] = [];
  port = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      this.requests.push(req);
      const path = req.url ?? '/';
      if (path === '/ok') res.end('all good');
      else if (path === '/fail') {
        res.statusCode = 500;
        res.end('internal');
      } else if (path === '/created') {
        res.statusCode = 201;
        res.end();
      } else if (path === '/big') {
        res.setHeader('content-type', 'text/plain');
        // 1 MiB body, marker at the start.
        res.end('READY' + 'x'.repeat(1024 * 1024));
      } else if (path === '/hang') {
        // never answer
      } else if (path === '/half') {
        res.setHeader('content-length', '100');
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 5);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<void> {
    this.server.listen(0, HOST);
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://${HOST}:${this.port}${path}`;
  }

  /** Resolves once the server has no open connection left. */
  async drained(): Promise<void> {
    while (this.sockets.size > 0) await Promise.all([...this.sockets].map((s) => once(s, 'close')));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

async function run(probe: Probe, timeout = 5000): Promise<void> {
  const controller = new AbortController();
  const t = setTimeout(() => controller.abort(new Error('test guard timeout')), timeout);
  try {
    await probe(controller.signal);
  } finally {
    clearTimeout(t);
  }
}

function code(err: unknown): string | undefined {
  return err instanceof HealthError ? err.code : undefined;
}

describe('httpProbe against a real server', () => {
  const srv = new TestServer();
  before(() => srv.listen());
  after(() => srv.close());

  it('passes on 200 and reports the status', async () => {
    const probe = httpProbe({ url: srv.url('/ok') });
    const controller = new AbortController();
    const result = await probe(controller.signal);
    assert.deepEqual(result, { status: 200 });
    const req = srv.requests.at(-1);
    assert.equal(req?.method, 'GET');
    assert.equal(req?.headers.connection, 'close');
    assert.match(req?.headers['user-agent'] ?? '', /scaleout-health/);
  });

  it('fails on 500 with the status in the error', async () => {
    await assert.rejects(run(httpProbe({ url: srv.url('/fail') })), (err: unknown) => {
      assert.equal(code(err), 'HEALTH_ERR_STATUS');
      assert.equal((err as { status: number }).status, 500);
      assert.match((err as Error).message, /500/);
      return true;
    });
  });

  it('accepts a status list or a predicate', async () => {
    await run(httpProbe({ url: srv.url('/created'), expectStatus: [200, 201] }));
    await run(httpProbe({ url: srv.url('/fail'), expectStatus: (s) => s >= 500 }));
    await assert.rejects(run(httpProbe({ url: srv.url('/created'), expectStatus: [200, 204] })), (err: unknown) => {
      assert.equal(code(err), 'HEALTH_ERR_STATUS');
      assert.equal((err as { status: number }).status, 201);
      return true;
    });
    await assert.rejects(
      run(httpProbe({ url: srv.url('/ok'), expectStatus: (s) => s === 204 })),
      (err: unknown) => code(err) === 'HEALTH_ERR_STATUS',
    );
  });

  it('sends the method and headers', async () => {
    await run(httpProbe({ url: srv.url('/ok'), method: 'head', headers: { host: 'www.scaleout.test', 'x-check': '1' } }));
    const req = srv.requests.at(-1);
    assert.equal(req?.method, 'HEAD');
    assert.equal(req?.headers.host, 'www.scaleout.test');
    assert.equal(req?.headers['x-check'], '1');
  });

  it('checks the body when asked to', async () => {
    await run(httpProbe({ url: srv.url('/ok'), expectBodyIncludes: 'good' }));
    await assert.rejects(run(httpProbe({ url: srv.url('/ok'), expectBodyIncludes: 'bad' })), (err: unknown) => {
      assert.equal(code(err), 'HEALTH_ERR_BODY');
      return true;
    });
    await run(httpProbe({ url: srv.url('/big'), expectBodyIncludes: 'READY', maxBodyBytes: 1024 }));
    await run(httpProbe({ url: srv.url('/big') }));
  });

  it('reports a response cut short as an I/O error', async () => {
    await assert.rejects(run(httpProbe({ url: srv.url('/half') })), (err: unknown) => {
      assert.equal(code(err), 'HEALTH_ERR_IO');
      return true;
    });
  });

  it('leaves no connection open after probing', async () => {
    const probe = httpProbe({ url: srv.url('/big') });
    for (let i = 0; i < 5; i++) await run(probe);
    await run(httpProbe({ url: srv.url('/fail'), expectStatus: 500 }));
    await srv.drained();
    assert.equal(srv.sockets.size, 0);
  });

  it('times out, through the checker, on a server that never answers', async () => {
    const checker = new ActiveChecker({ name: 'hang', probe: httpProbe({ url: srv.url('/hang') }), timeout: 100, fall: 1 });
    const result = await checker.checkNow();
    assert.equal(result.ok, false);
    assert.equal(code(result.error), 'HEALTH_ERR_TIMEOUT');
    assert.equal(checker.state, 'down');
    await srv.drained(); // the aborted request closed its connection
  });

  it('rejects at once with the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('already');
    controller.abort(reason);
    await assert.rejects(httpProbe({ url: srv.url('/ok') })(controller.signal), (err: unknown) => err === reason);
  });
});

describe('httpProbe connection failures', () => {
  it('reports a refused connection as a connect error', async () => {
    const s = http.createServer();
    s.listen(0, HOST);
    await once(s, 'listening');
    const { port } = s.address() as AddressInfo;
    s.close();
    await once(s, 'close');
    await assert.rejects(run(httpProbe({ url: `http://${HOST}:${port}/` })), (err: unknown) => {
      assert.equal(code(err), 'HEALTH_ERR_CONNECT');
      assert.equal((err as { syscallCode: string }).syscallCode, 'ECONNREFUSED');
      assert.match((err as Error).message, new RegExp(`${HOST}:${port}`));
      return true;
    });
  });

  it('rejects bad options synchronously', () => {
    const bad = [
      { url: 'not a url' },
      { url: 'ftp://127.0.0.1/' },
      { url: 'http://127.0.0.1/', expectStatus: [] },
      { url: 'http://127.0.0.1/', expectStatus: 42 },
      { url: 'http://127.0.0.1/', maxBodyBytes: -1 },
      { url: 'http://127.0.0.1/', maxBodyBytes: 2, expectBodyIncludes: 'long' },
    ];
    for (const o of bad) {
      assert.throws(() => httpProbe(o as never), (err: unknown) => code(err) === 'HEALTH_ERR_INVALID_OPTION', JSON.stringify(o));
    }
  });
});
