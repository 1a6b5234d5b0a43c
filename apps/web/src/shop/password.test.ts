import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burnVerification, hashPassword, verifyPassword } from './password.js';

test('scrypt hashes verify only the right password and are salted', async () => {
  const a = await hashPassword('password');
  const b = await hashPassword('password');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('password', a), true);
  assert.equal(await verifyPassword('Password', a), false);
  assert.equal(await verifyPassword('password', 'scrypt$16384$8$1$AAAA$short'), false);
  assert.equal(await verifyPassword('password', 'md5$x'), false);
  assert.equal(await verifyPassword('password', 'scrypt$99999999$8$1$AAAA$' + 'A'.repeat(43)), false);
  await burnVerification('anything');
});
