import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@scaleout/service';
import { DEV_COOKIE_SECRET, loadWebConfig, parseDbUrl } from './config.js';

test('defaults run standalone on loopback', () => {
  const c = loadWebConfig({ env: {} });
  assert.equal(c.port, 3000);
  assert.deepEqual(c.db, { hosts: [{ host: '127.0.0.1', port: 3306 }], user: 'app', password: 'app', database: 'shop' });
  assert.deepEqual(c.sessionUrls, ['http://127.0.0.1:4000']);
  assert.equal(c.cookieSecret, DEV_COOKIE_SECRET);
  assert.equal(c.adminToken, 'dev-admin-token');
});

test('WEB_DB_URL with several hosts wins over the DB_* fields; the admin token falls back to SCALEOUT_ADMIN_TOKEN', () => {
  const c = loadWebConfig({
    env: {
      WEB_DB_URL: 'mysql://app:s%40cret@127.0.5.1:6033,127.0.5.2:6033/shop',
      WEB_DB_HOSTS: '10.0.0.1:1',
      SCALEOUT_ADMIN_TOKEN: 'stack-token-123',
    },
  });
  assert.deepEqual(c.db, {
    hosts: [
      { host: '127.0.5.1', port: 6033 },
      { host: '127.0.5.2', port: 6033 },
    ],
    user: 'app',
    password: 's@cret',
    database: 'shop',
  });
  assert.equal(c.adminToken, 'stack-token-123');
  assert.equal(loadWebConfig({ env: { WEB_ADMIN_TOKEN: 'own-token-1', SCALEOUT_ADMIN_TOKEN: 'x-token-123' } }).adminToken, 'own-token-1');
  assert.deepEqual(parseDbUrl('mysql://u:p@db/x').hosts, [{ host: 'db', port: 3306 }]);
  assert.throws(() => parseDbUrl('mysql://u:p@/x'), ConfigError);
  assert.throws(() => parseDbUrl('mysql://u:p@h:1/bad-name'), ConfigError);
});

test('production refuses the development secrets', () => {
  assert.throws(() => loadWebConfig({ env: { NODE_ENV: 'production' } }), /WEB_DB_PASSWORD|WEB_COOKIE_SECRET|WEB_ADMIN_TOKEN/);
  const prod = {
    NODE_ENV: 'production',
    WEB_DB_PASSWORD: 'real-password',
    WEB_COOKIE_SECRET: 'x'.repeat(40),
    WEB_ADMIN_TOKEN: 'a-real-token',
  };
  assert.equal(loadWebConfig({ env: prod }).cookieSecret, 'x'.repeat(40));
  assert.throws(() => loadWebConfig({ env: { ...prod, WEB_COOKIE_SECRET: DEV_COOKIE_SECRET } }), /WEB_COOKIE_SECRET/);
  assert.throws(() => loadWebConfig({ env: { ...prod, WEB_DB_URL: 'mysql://app:app@h:1/shop' } }), /WEB_DB_URL/);
  assert.throws(() => loadWebConfig({ env: { WEB_COOKIE_SECRET: 'short' } }), /WEB_COOKIE_SECRET/);
  assert.throws(() => loadWebConfig({ env: { WEB_SESSION_URLS: 'ftp://x' } }), /WEB_SESSION_URLS/);
});
