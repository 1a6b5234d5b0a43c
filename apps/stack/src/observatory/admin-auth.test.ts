import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminAuth, ADMIN_COOKIE, isLoopbackHost } from './admin-auth.js';

const req = (headers: Record<string, string>) => ({ method: 'POST', headers });

test('the token is exchanged once for an HttpOnly session cookie; a wrong token is refused', () => {
  const auth = new AdminAuth('secret');
  assert.throws(() => auth.login('wrong'), (e: Error & { code?: string }) => e.code === 'STACK_ERR_UNAUTHORIZED');
  const id = auth.login('secret');
  assert.match(auth.cookie(id), /HttpOnly; SameSite=Strict/);
  const withCookie = req({ cookie: `other=1; ${ADMIN_COOKIE}=${id}`, host: '127.0.0.1:7000', origin: 'http://127.0.0.1:7000' });
  assert.doesNotThrow(() => auth.require(withCookie));
  auth.logout(withCookie);
  assert.throws(() => auth.require(withCookie), /missing or wrong admin token/);
});

test('a foreign origin or host needs the token itself, even with a valid cookie', () => {
  const auth = new AdminAuth('secret');
  const id = auth.login('secret');
  const foreign = req({ cookie: `${ADMIN_COOKIE}=${id}`, host: '127.0.0.1:7000', origin: 'https://evil.example' });
  assert.throws(() => auth.require(foreign), (e: Error & { code?: string }) => e.code === 'STACK_ERR_ORIGIN');
  assert.throws(() => auth.checkOrigin(req({ host: 'rebound.example:7000' })), /not a loopback address/);
  assert.doesNotThrow(() => auth.require(req({ authorization: 'Bearer secret', origin: 'https://evil.example' })), 'the bearer token works from anywhere');
  assert.ok(isLoopbackHost('127.42.0.1:7000') && isLoopbackHost('localhost') && isLoopbackHost('[::1]:7000'));
  assert.ok(!isLoopbackHost('10.0.0.1:7000') && !isLoopbackHost('127.0.0.1.evil.example'));
});
