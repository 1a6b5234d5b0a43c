import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCookies, serializeCookie } from './cookies.js';

test('parseCookies reads pairs, keeps the first of duplicates and decodes values', () => {
  const c = parseCookies('a=1; sid=abc.def; a=2; q="quoted"; enc=x%20y; bad=%E0%A4%A; =novalue; junk');
  assert.equal(c.get('a'), '1');
  assert.equal(c.get('sid'), 'abc.def');
  assert.equal(c.get('q'), 'quoted');
  assert.equal(c.get('enc'), 'x y');
  assert.equal(c.get('bad'), '%E0%A4%A');
  assert.equal(c.size, 5);
  assert.equal(parseCookies(undefined).size, 0);
});

test('serializeCookie sets the security attributes', () => {
  assert.equal(serializeCookie('sid', 'a.b', { secure: true }), 'sid=a.b; Path=/; HttpOnly; Secure; SameSite=Lax');
  assert.equal(serializeCookie('sid', 'x y', {}), 'sid=x%20y; Path=/; HttpOnly; SameSite=Lax');
  assert.match(serializeCookie('sid', '', { maxAge: 0 }), /Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
  assert.throws(() => serializeCookie('bad name', 'v'), TypeError);
});
