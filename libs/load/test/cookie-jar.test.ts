import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar } from '../src/index.js';

test('cookie jar keeps names and values, replaces, deletes on Max-Age=0 or a past Expires', () => {
  const jar = new CookieJar();
  assert.equal(jar.header(), undefined);
  jar.store(['sid=s1.abc; Path=/; HttpOnly; SameSite=Lax', 'theme=dark']);
  assert.equal(jar.header(), 'sid=s1.abc; theme=dark');
  jar.store(['sid=s2.def; Path=/']);
  assert.equal(jar.get('sid'), 's2.def');
  assert.equal(jar.size, 2);
  jar.store(['theme=; Max-Age=0']);
  assert.equal(jar.header(), 'sid=s2.def');
  jar.store(['sid=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
  assert.equal(jar.header(), undefined);
  jar.store(['later=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT', 'novalue', '=x', 'eq=a=b']);
  assert.equal(jar.header(), 'later=1; eq=a=b');
});

test('two jars do not share cookies', () => {
  const a = new CookieJar();
  const b = new CookieJar();
  a.store(['sid=a']);
  b.store(['sid=b']);
  assert.equal(a.header(), 'sid=a');
  assert.equal(b.header(), 'sid=b');
});
