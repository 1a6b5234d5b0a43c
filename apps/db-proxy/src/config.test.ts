import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@scaleout/service';
import { loadDbProxyConfig } from './config.js';

test('development defaults follow the address plan and dev credentials', () => {
  const c = loadDbProxyConfig({});
  assert.equal(c.port, 6033);
  assert.equal(c.adminPort, 6080);
  assert.equal(c.adminHost, '127.0.0.1');
  assert.deepEqual(c.backends, [
    { name: 'db1', host: '127.0.6.1', port: 3306 },
    { name: 'db2', host: '127.0.6.2', port: 3306 },
  ]);
  assert.equal(c.users, 'app:app');
  assert.equal(c.adminToken, 'dev-admin-token');
  assert.equal(c.causalReads, 'wait');
  assert.equal(c.maxPacket, 64 * 1024 * 1024);
});

test('production refuses missing or development secrets', () => {
  assert.throws(() => loadDbProxyConfig({ NODE_ENV: 'production' }), ConfigError);
  const prod = {
    NODE_ENV: 'production',
    DBPROXY_USERS: 'app:s3cret',
    DBPROXY_BACKEND_PASSWORD: 'x1',
    DBPROXY_MONITOR_PASSWORD: 'x2',
    DBPROXY_REPL_PASSWORD: 'x3',
    SCALEOUT_ADMIN_TOKEN: 'a-long-production-token',
  };
  assert.equal(loadDbProxyConfig(prod).users, 'app:s3cret');
  assert.throws(() => loadDbProxyConfig({ ...prod, DBPROXY_USERS: 'app:app' }), /development default/);
  assert.throws(() => loadDbProxyConfig({ ...prod, SCALEOUT_ADMIN_TOKEN: 'dev-admin-token' }), /development default/);
});

test('bad values name the variable', () => {
  assert.throws(() => loadDbProxyConfig({ DBPROXY_BACKENDS: 'db1=nohostport' }), /DBPROXY_BACKENDS/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_BACKENDS: 'a=h:1,a=h:2' }), /unique/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_USERS: 'nopassword' }), /DBPROXY_USERS/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_CAUSAL_READS: 'sometimes' }), /DBPROXY_CAUSAL_READS/);
  assert.equal(loadDbProxyConfig({}).idBlock, 0);
  assert.deepEqual(loadDbProxyConfig({}).peers, []);
  assert.deepEqual(loadDbProxyConfig({ DBPROXY_ID_BLOCK: '2', DBPROXY_PEERS: '1=http://127.0.5.1:6080' }).peers, ['1=http://127.0.5.1:6080']);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_ID_BLOCK: '256' }), /DBPROXY_ID_BLOCK/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_PEERS: 'proxy2=127.0.5.2:6080' }), /DBPROXY_PEERS/);
  assert.deepEqual(loadDbProxyConfig({ DBPROXY_BACKENDS: 'a=10.0.0.1:3306, b=[::1]:3307' }).backends, [
    { name: 'a', host: '10.0.0.1', port: 3306 },
    { name: 'b', host: '::1', port: 3307 },
  ]);
});
