import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointList } from './endpoint-list.js';

test('failed endpoints move to the back until their retry time, then the preferred one is used again', () => {
  let now = 1000;
  const list = new EndpointList(['a', 'b', 'c'], { retryAfterMs: 500, now: () => now });
  assert.deepEqual(list.order(), ['a', 'b', 'c']);
  list.markDown('a');
  assert.equal(list.current(), 'b');
  list.markDown('b');
  assert.deepEqual(list.order(), ['c', 'a', 'b']);
  list.markDown('c');
  assert.deepEqual(list.order(), ['a', 'b', 'c'], 'all down: still tried, the one down longest first');
  now += 501;
  assert.equal(list.isDown('a'), false);
  list.markDown('b');
  list.markUp('b');
  assert.equal(list.isDown('b'), false);
  assert.throws(() => new EndpointList([], { retryAfterMs: 1 }), RangeError);
});
