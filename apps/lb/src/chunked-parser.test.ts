import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedParser } from './chunked-parser.js';

function feed(p: ChunkedParser, s: string, step: number): number {
  const b = Buffer.from(s, 'latin1');
  let consumed = 0;
  for (let i = 0; i < b.length; i += step) {
    const end = Math.min(b.length, i + step);
    const r = p.push(b, i, end);
    if (r < 0) return -1;
    consumed = r;
    if (p.done) return consumed;
  }
  return consumed;
}

test('tracks a chunked body split at every position, with extensions and trailers', () => {
  const body = '5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
  for (const step of [1, 2, 3, 7, 100]) {
    const data: string[] = [];
    const p = new ChunkedParser(1000, 1000, (b, s, e) => data.push(b.toString('latin1', s, e)));
    const end = feed(p, body + 'NEXT', step);
    assert.ok(p.done, `step ${step}`);
    assert.equal(end, body.length, 'stops exactly at the end of the body');
    assert.equal(data.join(''), 'hello0123456789');
    assert.equal(p.dataBytes, 15);
  }
});

test('refuses invalid sizes, missing CRLF and oversized bodies', () => {
  for (const bad of ['zz\r\n', ' 5\r\nhello\r\n', '5\r\nhelloXX', '5\nhello', '-1\r\n', '1111111111111\r\n']) {
    const p = new ChunkedParser(1000);
    assert.equal(feed(p, bad, 100), -1, bad);
    assert.ok(p.failed);
  }
  const big = new ChunkedParser(4);
  assert.equal(feed(big, '5\r\nhello\r\n', 100), -1);
  assert.equal(big.tooLarge, true);
});
