import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminTokenSpec, bearerChecker, ConfigError, loadConfig } from './index.js';

test('bearerChecker accepts exactly "Bearer <token>"', () => {
  const ok = bearerChecker('s3cret-token');
  assert.equal(ok('Bearer s3cret-token'), true);
  assert.equal(ok('Bearer s3cret-tokeN'), false);
  assert.equal(ok('bearer s3cret-token'), false);
  assert.equal(ok('Bearer s3cret-token '), false);
  assert.equal(ok(''), false);
  assert.equal(ok(undefined), false);
});

test('SCALEOUT_ADMIN_TOKEN: development default, refused in production', () => {
  assert.equal(loadConfig('SCALEOUT', adminTokenSpec, { env: {} }).adminToken, 'dev-admin-token');
  assert.throws(() => loadConfig('SCALEOUT', adminTokenSpec, { env: { NODE_ENV: 'production' } }), ConfigError);
  assert.throws(
    () => loadConfig('SCALEOUT', adminTokenSpec, { env: { NODE_ENV: 'production', SCALEOUT_ADMIN_TOKEN: 'dev-admin-token' } }),
    ConfigError,
  );
  assert.equal(loadConfig('SCALEOUT', adminTokenSpec, { env: { NODE_ENV: 'production', SCALEOUT_ADMIN_TOKEN: 'a-long-token' } }).adminToken, 'a-long-token');
});
