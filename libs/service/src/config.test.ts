import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, env, loadConfig, parseDuration, parseHostPort, toEnvName } from './index.js';

const spec = {
  port: env.port({ default: 8080 }),
  mode: env.enum(['rr', 'leastconn'] as const, { default: 'rr' }),
  timeout: env.duration({ default: 2000 }),
  servers: env.hostPortList(),
  verbose: env.bool({ default: false }),
  secret: env.secret({ devDefault: 'dev-secret', minLength: 8 }),
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('loads typed values with defaults', () => {
  const cfg = loadConfig('LB', spec, { env: { LB_SERVERS: '127.0.0.1:3000, [::1]:3001', LB_TIMEOUT: '1.5s' } });
  assert.equal(cfg.port, 8080);
  assert.equal(cfg.mode, 'rr');
  assert.equal(cfg.timeout, 1500);
  assert.deepEqual(cfg.servers, [
    { host: '127.0.0.1', port: 3000 },
    { host: '::1', port: 3001 },
  ]);
  assert.equal(cfg.verbose, false);
  assert.equal(cfg.secret, 'dev-secret');
});

test('a bad value names the variable, the value and what is allowed', () => {
  const err = errorOf(() => loadConfig('LB', spec, { env: { LB_SERVERS: 'a:1', LB_PORT: 'abc' } }));
  assert.equal(err.variable, 'LB_PORT');
  assert.equal(err.code, 'CONFIG_ERR_INVALID');
  assert.equal(err.message, 'LB_PORT="abc" is invalid: expected an integer between 1 and 65535');

  const e2 = errorOf(() => loadConfig('LB', spec, { env: { LB_SERVERS: 'a:1', LB_MODE: 'random' } }));
  assert.equal(e2.message, 'LB_MODE="random" is invalid: expected one of rr, leastconn');

  const e3 = errorOf(() => loadConfig('LB', spec, { env: { LB_SERVERS: 'a:1', LB_PORT: '70000' } }));
  assert.match(e3.message, /^LB_PORT="70000"/);
});

test('a missing required value names the variable', () => {
  const err = errorOf(() => loadConfig('LB', spec, { env: {} }));
  assert.equal(err.variable, 'LB_SERVERS');
  assert.match(err.message, /^LB_SERVERS is missing: expected a comma-separated list/);
});

test('secrets: development default refused in production', () => {
  const missing = errorOf(() => loadConfig('LB', spec, { env: { NODE_ENV: 'production', LB_SERVERS: 'a:1' } }));
  assert.equal(missing.variable, 'LB_SECRET');
  assert.match(missing.message, /required when NODE_ENV=production/);
  const dev = errorOf(() =>
    loadConfig('LB', spec, { env: { NODE_ENV: 'production', LB_SERVERS: 'a:1', LB_SECRET: 'dev-secret' } }),
  );
  assert.match(dev.message, /development default/);
  assert.doesNotMatch(dev.message, /dev-secret/, 'a secret value must never be printed');
  const short = errorOf(() => loadConfig('LB', spec, { env: { LB_SERVERS: 'a:1', LB_SECRET: 'short' } }));
  assert.doesNotMatch(short.message, /short"/);
  const ok = loadConfig('LB', spec, { env: { NODE_ENV: 'production', LB_SERVERS: 'a:1', LB_SECRET: 'a-real-secret' } });
  assert.equal(ok.secret, 'a-real-secret');
});

test('helpers', () => {
  assert.equal(toEnvName('adminPort'), 'ADMIN_PORT');
  assert.equal(toEnvName('maxConnPerServer'), 'MAX_CONN_PER_SERVER');
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1m'), 60000);
  assert.equal(parseDuration('100'), 100);
  assert.equal(parseDuration('2 weeks'), undefined);
  assert.deepEqual(parseHostPort('db1:3306'), { host: 'db1', port: 3306 });
  assert.equal(parseHostPort('db1'), undefined);
  assert.equal(parseHostPort('db1:0'), undefined);
});
