import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mariadbArgs, parseQueryCache, QueryCacheConfigError } from './index.js';

const base = { name: 'db1', baseDir: '/srv/scaleout/db1', host: '127.0.6.1', port: 3306, serverId: 1, gtidDomainId: 1 };

test('query cache settings become mariadbd arguments; none by default', () => {
  assert.ok(!mariadbArgs(base).some((a) => a.startsWith('--query-cache')));
  const args = mariadbArgs({ ...base, queryCache: { type: 'ON', sizeBytes: 16 * 1024 * 1024 }, extraArgs: ['--x'] });
  assert.ok(args.includes('--query-cache-type=ON'));
  assert.ok(args.includes('--query-cache-size=16777216'));
  assert.equal(args.at(-1), '--x', 'extra arguments come last and can override');
});

test('parseQueryCache: forms, defaults and refusals', () => {
  assert.equal(parseQueryCache(undefined, undefined), undefined);
  assert.deepEqual(parseQueryCache('1', '64k'), { type: 'ON', sizeBytes: 65536 });
  assert.deepEqual(parseQueryCache('demand', undefined), { type: 'DEMAND', sizeBytes: 16 * 1024 * 1024 });
  assert.deepEqual(parseQueryCache(undefined, '32M'), { type: 'ON', sizeBytes: 32 * 1024 * 1024 });
  assert.deepEqual(parseQueryCache('OFF', undefined), { type: 'OFF', sizeBytes: 0 });
  assert.throws(() => parseQueryCache('yes', undefined), (e: unknown) => e instanceof QueryCacheConfigError && e.code === 'INFRA_ERR_QUERY_CACHE' && /expected OFF, ON or DEMAND/.test(e.message));
  assert.throws(() => parseQueryCache('ON', '16 MB'), /expected bytes/);
  assert.throws(() => parseQueryCache('ON', '1k'), /too small/);
  assert.throws(() => parseQueryCache('ON', '5G'), /too large/);
});
