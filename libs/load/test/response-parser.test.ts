import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParseError, ResponseParser, type ParsedResponse } from '../src/index.js';

function parseAll(chunks: Array<string | Buffer>, keepBody = true, noBody = false): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  const p = new ResponseParser((r) => out.push(r), keepBody);
  p.noBody = noBody;
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return out;
}

/** Every way of cutting `text` in two. */
function everySplit(text: string, check: (rs: ParsedResponse[]) => void): void {
  for (let i = 1; i < text.length; i++) check(parseAll([text.slice(0, i), text.slice(i)]));
  // byte by byte
  check(parseAll(text.split('')));
}

test('Content-Length bodies, several responses in one packet, set-cookie, keep-alive', () => {
  const text =
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: sid=abc; Path=/; HttpOnly\r\nset-cookie: x=1\r\n\r\nhello' +
    'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n' +
    'HTTP/1.1 500 Oops\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad';
  everySplit(text, (rs) => {
    assert.equal(rs.length, 3);
    assert.deepEqual(rs.map((r) => r.status), [200, 404, 500]);
    assert.equal(rs[0]!.body!.toString(), 'hello');
    assert.deepEqual(rs[0]!.setCookie, ['sid=abc; Path=/; HttpOnly', 'x=1']);
    assert.equal(rs[0]!.close, false);
    assert.equal(rs[1]!.body!.length, 0);
    assert.equal(rs[2]!.close, true);
    assert.equal(rs[2]!.body!.toString(), 'bad');
  });
});

test('chunked bodies with extensions and trailers, split anywhere', () => {
  const text =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n' +
    'HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\n!\r\n0\r\n\r\n';
  everySplit(text, (rs) => {
    assert.equal(rs.length, 2);
    assert.equal(rs[0]!.body!.toString(), 'hello, world');
    assert.equal(rs[1]!.status, 201);
    assert.equal(rs[1]!.body!.toString(), '!');
  });
});

test('no body for HEAD, 204, 304 and after 1xx; bodies not kept when not asked', () => {
  assert.deepEqual(
    parseAll(['HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n']).map((r) => r.status),
    [204, 304],
  );
  const head = parseAll(['HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'], true, true);
  assert.equal(head.length, 1);
  assert.equal(head[0]!.body!.length, 0);
  const cont = parseAll(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
  assert.deepEqual(cont.map((r) => [r.status, r.body!.toString()]), [[200, 'ok']]);
  const noKeep = parseAll(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'], false);
  assert.equal(noKeep[0]!.body, undefined);
});

test('a body without length runs to the end of the connection; a cut-short response is reported', () => {
  const out: ParsedResponse[] = [];
  const p = new ResponseParser((r) => out.push(r), true);
  p.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\nall of it'));
  assert.equal(out.length, 0);
  assert.equal(p.end(), true);
  assert.equal(out[0]!.body!.toString(), 'all of it');
  assert.equal(out[0]!.close, true);
  const q = new ResponseParser(() => {}, false);
  q.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  assert.equal(q.end(), false);
  const idle = new ResponseParser(() => {}, false);
  assert.equal(idle.end(), true);
});

test('malformed responses throw ResponseParseError', () => {
  const bad = [
    'HTTX/1.1 200 OK\r\n\r\n',
    'HTTP/1.1 2000 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc',
  ];
  for (const b of bad) assert.throws(() => parseAll([b]), ResponseParseError, JSON.stringify(b));
  assert.throws(() => parseAll(['HTTP/1.1 200 OK\r\nX: ' + 'a'.repeat(70_000)]), ResponseParseError);
});
