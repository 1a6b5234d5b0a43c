import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { raw, request, startBackend, startLb, type Backend, type TestLb } from './helpers.js';

let backend: Backend;
let lb: TestLb;
before(async () => {
  backend = await startBackend('p1');
  lb = await startLb({
    LB_SERVERS: `p1=${backend.address}`,
    LB_STICKY: 'false',
    LB_HEADER_TIMEOUT: '500ms',
    LB_MAX_HEADER_BYTES: '4096',
    LB_MAX_URL_BYTES: '1024',
    LB_MAX_BODY_BYTES: '1000',
    LB_TRUSTED_PROXIES: '127.0.0.5,10.0.0.0/8',
  });
});
after(async () => {
  await lb.close();
  await backend.kill();
});

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

const cases: Array<{ name: string; pieces: Array<string | { delayMs: number }>; status: number; code: string }> = [
  { name: 'CL+TE', pieces: ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG'], status: 400, code: 'LB_ERR_BAD_FRAMING' },
  { name: 'duplicate Content-Length', pieces: ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'], status: 400, code: 'LB_ERR_BAD_FRAMING' },
  { name: 'invalid chunk size', pieces: ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'], status: 400, code: 'LB_ERR_BAD_CHUNK' },
  { name: 'obs-fold header', pieces: ['GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n'], status: 400, code: 'LB_ERR_BAD_HEADER' },
  { name: 'oversized headers', pieces: [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(5000)}\r\n\r\n`], status: 431, code: 'LB_ERR_HEADERS_TOO_LARGE' },
  { name: 'too many headers', pieces: [`GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 120 }, (_, i) => `X-${i}: 1\r\n`).join('')}\r\n`], status: 431, code: 'LB_ERR_HEADERS_TOO_LARGE' },
  { name: 'URL too long', pieces: [`GET /${'u'.repeat(2000)} HTTP/1.1\r\nHost: a\r\n\r\n`], status: 414, code: 'LB_ERR_URI_TOO_LONG' },
  { name: 'body too large', pieces: ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n'], status: 413, code: 'LB_ERR_BODY_TOO_LARGE' },
  { name: 'slow headers', pieces: ['GET / HTTP/1.1\r\n', { delayMs: 300 }, 'Host: a\r\n', { delayMs: 300 }, 'X-Slow: 1\r\n', { delayMs: 300 }, '\r\n'], status: 408, code: 'LB_ERR_HEADER_TIMEOUT' },
  { name: 'bare LF', pieces: ['GET / HTTP/1.1\nHost: a\n\n'], status: 400, code: 'LB_ERR_BAD_REQUEST' },
  { name: 'missing Host', pieces: ['GET / HTTP/1.1\r\n\r\n'], status: 400, code: 'LB_ERR_BAD_REQUEST' },
  { name: 'HTTP/2.0 request line', pieces: ['GET / HTTP/2.0\r\nHost: a\r\n\r\n'], status: 505, code: 'LB_ERR_VERSION' },
  { name: 'unsupported transfer coding', pieces: ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'], status: 501, code: 'LB_ERR_UNSUPPORTED_TE' },
];

for (const c of cases) {
  test(`${c.name}: ${c.status}, connection closed, next client served`, async () => {
    const before = (await backend.ctl('/__ctl/stats')).requests;
    const r = await raw(lb.port, c.pieces, 3000);
    assert.equal(status(r.text), c.status, r.text.slice(0, 200));
    assert.match(r.text, new RegExp(`X-Scaleout-Error: ${c.code}`));
    assert.match(r.text, /X-Served-By: lb-test/);
    assert.match(r.text, /Connection: close/);
    assert.ok(r.closed, 'the LB closed the connection');
    assert.ok(r.text.length < 600, 'short body');
    assert.equal((await backend.ctl('/__ctl/stats')).requests, before, 'nothing reached the backend');
    const next = await request({ port: lb.port, path: '/after' });
    assert.equal(next.status, 200);
  });
}

test('framing is re-serialised: a chunked request body reaches the server intact', async () => {
  const r = await raw(lb.port, ['POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n', '6;ext=1\r\n world\r\n0\r\n\r\n']);
  assert.equal(status(r.text), 200);
  const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { body: string; headers: Record<string, string> };
  assert.equal(body.body, 'hello world');
  assert.equal(body.headers['transfer-encoding'], 'chunked');
});

test('pipelined requests are answered in order on one connection', async () => {
  const r = await raw(lb.port, ['GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
  const urls = [...r.text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/one', '/two', '/three']);
  assert.ok(r.closed);
});

test('hop-by-hop headers are stripped; X-Forwarded-* are set from the peer when untrusted', async () => {
  const r = await request({
    port: lb.port,
    headers: { connection: 'keep-alive, x-secret', 'x-secret': 'drop', 'keep-alive': 'timeout=5', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', te: 'trailers', 'x-keep': '1' },
  });
  const seen = JSON.parse(r.body) as { headers: Record<string, string> };
  assert.equal(seen.headers['x-secret'], undefined);
  assert.equal(seen.headers['keep-alive'], undefined);
  assert.equal(seen.headers.te, undefined);
  assert.equal(seen.headers['x-keep'], '1');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'a spoofed XFF from an untrusted peer is replaced');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${lb.port}`);
  assert.equal(seen.headers.via, '1.1 lb-test');
  assert.equal(r.headers.via, '1.1 lb-test');
  assert.equal(r.headers['x-served-by'], undefined, 'X-Served-By marks LB-generated responses only');
});

test('X-Forwarded-For from a trusted proxy is extended', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: lb.port, localAddress: '127.0.0.5' }, () => {
      s.write('GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n');
    });
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  const seen = JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.5');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
});

test('HTTP/1.0 clients get a de-chunked body and a closed connection', async () => {
  const r = await raw(lb.port, ['GET /chunked HTTP/1.0\r\n\r\n']);
  assert.equal(status(r.text), 200);
  assert.doesNotMatch(r.text, /Transfer-Encoding/i);
  const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
  assert.equal((JSON.parse(body) as { server: string }).server, 'p1');
  assert.ok(r.closed);
});

test('WebSocket upgrade is passed through both ways', async () => {
  const got = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: lb.port }, () => {
      s.write('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    });
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
      if (out.includes('\r\n\r\n') && !out.includes('ping-pong')) s.write('ping-pong');
      if (out.endsWith('ping-pong')) {
        s.end();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
  assert.match(got, /^HTTP\/1\.1 101 /);
  assert.match(got, /Upgrade: websocket/i);
  assert.match(got, /X-Backend: p1/);
  assert.ok(got.endsWith('ping-pong'), 'bytes echoed through the tunnel');
});

test('TLS termination with a generated certificate; the sticky cookie is Secure; HTTP→HTTPS redirect', async (t) => {
  const tlsLb = await startLb({ LB_SERVERS: `p1=${backend.address}`, LB_HTTPS: 'true', LB_HTTPS_REDIRECT: 'true' });
  t.after(() => tlsLb.close());
  const r = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: tlsLb.httpsPort!, path: '/tls', rejectUnauthorized: false, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).headers['x-forwarded-proto'], 'https');
  const cookie = (r.headers['set-cookie'] as string[]).find((c) => c.startsWith('SRV='))!;
  assert.match(cookie, /; Secure/);
  const plain = await request({ port: tlsLb.port, path: '/x?y=1', headers: { host: 'www.scaleout.test' } });
  assert.equal(plain.status, 308);
  assert.equal(plain.headers.location, `https://www.scaleout.test:${tlsLb.httpsPort}/x?y=1`);
});
