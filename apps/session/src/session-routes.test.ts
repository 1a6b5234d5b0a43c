import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIfMatch } from './session-routes.js';

test('If-Match accepts a version, a quoted or weak ETag, or *', () => {
  assert.equal(parseIfMatch(undefined), undefined);
  assert.equal(parseIfMatch('3'), 3);
  assert.equal(parseIfMatch('"3"'), 3);
  assert.equal(parseIfMatch(' W/"12" '), 12);
  assert.equal(parseIfMatch('*'), '*');
  for (const bad of ['', 'abc', '-1', '1.5', '"1", "2"', '1234567890123456']) assert.equal(parseIfMatch(bad), null, bad);
});
