import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '@scaleout/service';
import { checkSessionConfig, sessionConfigSpec } from './config.js';

const load = (env: Record<string, string>) => loadConfig('SESSION', sessionConfigSpec, { env });

test('defaults run standalone on loopback', () => {
  const c = load({});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 4000);
  assert.deepEqual(c.memcached, [{ host: '127.0.0.1', port: 11211 }]);
  assert.equal(c.replicas, 2);
  assert.equal(c.idleTtl, 30 * 60_000);
  assert.equal(c.durable, false);
  assert.doesNotThrow(() => checkSessionConfig(c, {}));
});

test('the stack settings parse', () => {
  const c = load({ SESSION_INSTANCE: 'session2', SESSION_HOST: '127.0.3.2', SESSION_MEMCACHED: '127.0.4.1:11211, 127.0.4.2:11211', SESSION_IDLE_TTL: '960h' });
  assert.equal(c.instance, 'session2');
  assert.deepEqual(c.memcached.map((m) => `${m.host}:${m.port}`), ['127.0.4.1:11211', '127.0.4.2:11211']);
  assert.equal(c.idleTtl, 960 * 3_600_000);
});

test('bad values name the variable', () => {
  assert.throws(() => load({ SESSION_MEMCACHED: 'nope' }), (e: unknown) => e instanceof ConfigError && e.variable === 'SESSION_MEMCACHED');
  assert.throws(() => load({ SESSION_REPLICAS: '0' }), (e: unknown) => e instanceof ConfigError && e.variable === 'SESSION_REPLICAS');
  assert.throws(() => load({ SESSION_IDLE_TTL: '5 minutes' }), (e: unknown) => e instanceof ConfigError && e.variable === 'SESSION_IDLE_TTL');
});

test('in production the durable tier needs a real database password; without the tier none is needed', () => {
  const prod = { NODE_ENV: 'production' };
  const isPasswordError = (e: unknown) => e instanceof ConfigError && e.variable === 'SESSION_DB_PASSWORD';
  assert.throws(() => checkSessionConfig(load({ SESSION_DURABLE: 'true' }), prod), isPasswordError);
  assert.throws(() => checkSessionConfig(load({ SESSION_DURABLE: 'true', SESSION_DB_PASSWORD: 'app' }), prod), isPasswordError);
  assert.doesNotThrow(() => checkSessionConfig(load({ SESSION_DURABLE: 'true', SESSION_DB_PASSWORD: 's3cret-s3cret' }), prod));
  assert.doesNotThrow(() => checkSessionConfig(load({}), prod));
  assert.doesNotThrow(() => checkSessionConfig(load({ SESSION_DURABLE: 'true' }), {}));
});
