import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mariadbArgs, mariadbPaths, SESSION_TRACK_VARIABLES, supportsInitRplRole } from './index.js';

const base = { name: 'db1', baseDir: '/srv/scaleout/db1', host: '127.0.6.1', port: 3306, serverId: 1, gtidDomainId: 1 };

test('mariadbd arguments for one master of a pair', () => {
  const args = mariadbArgs(base);
  assert.equal(args[0], '--no-defaults', '--no-defaults must come first or mariadbd ignores it');
  for (const expected of [
    '--datadir=/srv/scaleout/db1/data',
    '--bind-address=127.0.6.1',
    '--port=3306',
    '--server-id=1',
    '--gtid-domain-id=1',
    '--gtid-strict-mode=1',
    '--log-slave-updates=1',
    '--binlog-format=ROW',
    '--auto-increment-increment=2',
    '--auto-increment-offset=1',
    `--session-track-system-variables=${SESSION_TRACK_VARIABLES}`,
  ]) {
    assert.ok(args.includes(expected), `missing ${expected}`);
  }
  assert.match(SESSION_TRACK_VARIABLES, /(^|,)last_gtid(,|$)/);
  assert.ok(!args.some((a) => a.startsWith('--rpl-semi-sync')), 'semi-sync only when asked');
  const semi = mariadbArgs({ ...base, semiSync: { timeoutMs: 1500 }, readOnly: true, startSlave: false, autoIncrementOffset: 2 });
  for (const expected of [
    '--rpl-semi-sync-master-enabled=ON',
    '--rpl-semi-sync-slave-enabled=ON',
    '--rpl-semi-sync-master-wait-point=AFTER_SYNC',
    '--rpl-semi-sync-master-timeout=1500',
    '--read-only=ON',
    '--skip-slave-start',
    '--auto-increment-offset=2',
  ]) {
    assert.ok(semi.includes(expected), `missing ${expected}`);
  }
});

test('a socket path too long for sun_path moves to the temp folder', () => {
  assert.equal(mariadbPaths('/srv/db1').socket, '/srv/db1/mysqld.sock');
  const deep = '/' + 'x'.repeat(120);
  const p = mariadbPaths(deep);
  assert.ok(Buffer.byteLength(p.socket) <= 100, p.socket);
  assert.equal(mariadbPaths(deep).socket, p.socket, 'stable for the same folder');
  assert.equal(p.dataDir, `${deep}/data`);
});

test('a semi-sync server recovers from a crash as a replica when mariadbd supports --init-rpl-role', () => {
  const base = { name: 'db1', baseDir: '/tmp/x', host: '127.0.0.1', port: 3306, serverId: 1, gtidDomainId: 1 };
  assert.ok(mariadbArgs({ ...base, initRplRole: 'SLAVE' }).includes('--init-rpl-role=SLAVE'));
  assert.ok(!mariadbArgs(base).some((a) => a.startsWith('--init-rpl-role')), 'only when asked');
  assert.equal(supportsInitRplRole('/bin/true'), false, 'a binary without the option is detected');
});
