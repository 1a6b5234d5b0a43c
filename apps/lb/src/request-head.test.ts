import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead, type RequestHead } from './request-head.js';
import { parseResponseHead } from './response-head.js';
import { isFault, type ProtocolFault } from './errors.js';

const limits = { maxHeaderBytes: 1024, maxHeaders: 10, maxUrlBytes: 100 };
const parse = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'), limits);
const ok = (s: string): RequestHead => {
  const r = parse(s);
  assert.ok(r !== null && !isFault(r), `expected a head, got ${JSON.stringify(r)}`);
  return r as RequestHead;
};
const code = (s: string) => {
  const r = parse(s);
  assert.ok(isFault(r), `expected a fault for ${JSON.stringify(s)}`);
  return (r as ProtocolFault).fault;
};

test('parses a request head with lowercased names, host and framing', () => {
  const h = ok('POST /a?b=1 HTTP/1.1\r\nHost: Example.com:8080\r\nContent-Length: 5\r\nX-A:  v  \r\nCookie: a=1\r\ncookie: b=2\r\n\r\nhello');
  assert.equal(h.method, 'POST');
  assert.equal(h.target, '/a?b=1');
  assert.equal(h.minor, 1);
  assert.equal(h.hostname, 'example.com');
  assert.equal(h.contentLength, 5);
  assert.equal(h.chunked, false);
  assert.equal(h.close, false);
  assert.equal(h.cookie, 'a=1; b=2');
  assert.equal(h.values[h.names.indexOf('x-a')], 'v');
  assert.ok(!h.names.includes('content-length'), 'framing headers are not copied');
  assert.equal(h.headBytes, 'POST /a?b=1 HTTP/1.1\r\nHost: Example.com:8080\r\nContent-Length: 5\r\nX-A:  v  \r\nCookie: a=1\r\ncookie: b=2\r\n\r\n'.length);
});

test('incomplete heads return null; HTTP/1.0 closes unless keep-alive', () => {
  assert.equal(parse('GET / HTTP/1.1\r\nHost: a\r\n'), null);
  assert.equal(ok('GET / HTTP/1.0\r\n\r\n').close, true);
  assert.equal(ok('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').close, false);
  assert.equal(ok('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').close, true);
});

test('absolute-form targets become origin-form with the authority as host', () => {
  const h = ok('GET http://Other.example:81/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n');
  assert.equal(h.target, '/p?q');
  assert.equal(h.hostname, 'other.example');
});

test('upgrade is recognised only with Connection: upgrade', () => {
  assert.equal(ok('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n').upgrade, 'websocket');
  assert.equal(ok('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n').upgrade, null);
});

test('smuggling vectors are refused', () => {
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'), 'LB_ERR_UNSUPPORTED_TE');
  assert.equal(code('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'), 'LB_ERR_BAD_FRAMING');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'), 'LB_ERR_BAD_HEADER');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n'), 'LB_ERR_BAD_HEADER');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n'), 'LB_ERR_BAD_HEADER');
  assert.equal(code('GET / HTTP/1.1\nHost: a\n\n'), 'LB_ERR_BAD_REQUEST');
  assert.equal(code('GET / HTTP/1.1\r\nX: 1\r\n\r\n'), 'LB_ERR_BAD_REQUEST');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'), 'LB_ERR_BAD_REQUEST');
  assert.equal(code('GET / HTTP/2.0\r\nHost: a\r\n\r\n'), 'LB_ERR_VERSION');
  assert.equal(code('GET  / HTTP/1.1\r\nHost: a\r\n\r\n'), 'LB_ERR_BAD_REQUEST');
  assert.equal(code('CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n'), 'LB_ERR_METHOD');
});

test('limits: URL length 414, header bytes and count 431', () => {
  assert.equal(code(`GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: a\r\n\r\n`), 'LB_ERR_URI_TOO_LONG');
  assert.equal(code(`GET /${'a'.repeat(200)}`), 'LB_ERR_URI_TOO_LONG');
  assert.equal(code(`GET / HTTP/1.1\r\nHost: a\r\nX: ${'b'.repeat(2000)}`), 'LB_ERR_HEADERS_TOO_LARGE');
  const many = Array.from({ length: 11 }, (_, i) => `X-${i}: v\r\n`).join('');
  assert.equal(code(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`), 'LB_ERR_HEADERS_TOO_LARGE');
});

test('response heads: framing decided, hop-by-hop removed, malformed refused', () => {
  const r = parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nX-Keep: 2\r\n\r\nabc'), 65536, 'GET');
  assert.ok(r !== null && !isFault(r));
  assert.equal(r.framing, 'length');
  assert.equal(r.contentLength, 3);
  assert.deepEqual(r.names, ['x-keep']);
  const head = parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'), 65536, 'HEAD');
  assert.ok(head !== null && !isFault(head) && head.framing === 'none');
  const close = parseResponseHead(Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), 65536, 'GET');
  assert.ok(close !== null && !isFault(close) && close.framing === 'close' && close.close);
  for (const bad of [
    'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
    'HTTP/1.1 2000 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nBad Header\r\n\r\n',
    'garbage garbage\r\n\r\n',
  ]) {
    assert.ok(isFault(parseResponseHead(Buffer.from(bad), 65536, 'GET')), bad);
  }
});

test('Connection: close wins over keep-alive in requests and responses, whatever the order', () => {
  assert.equal(ok('GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n').close, true);
  assert.equal(ok('GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n').close, true);
  const resp = (s: string) => {
    const r = parseResponseHead(Buffer.from(s, 'latin1'), 1024, 'GET');
    assert.ok(r !== null && !isFault(r), `expected a head, got ${JSON.stringify(r)}`);
    return r;
  };
  assert.equal(resp('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close, keep-alive\r\n\r\n').close, true);
  assert.equal(resp('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n').close, false);
  assert.equal(resp('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').close, true);
  assert.equal(resp('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').close, false);
});
