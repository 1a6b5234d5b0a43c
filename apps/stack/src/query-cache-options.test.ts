import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryCacheFromEnv, queryCacheSetting, StackError } from './index.js';

test('the databases\' query cache from SCALEOUT_DB_QUERY_CACHE_TYPE/_SIZE', () => {
  assert.equal(queryCacheFromEnv({}), undefined, 'off (server default) unless asked');
  assert.deepEqual(queryCacheFromEnv({ SCALEOUT_DB_QUERY_CACHE_TYPE: 'ON', SCALEOUT_DB_QUERY_CACHE_SIZE: '8M' }), { type: 'ON', sizeBytes: 8 * 1024 * 1024 });
  assert.throws(
    () => queryCacheFromEnv({ SCALEOUT_DB_QUERY_CACHE_TYPE: 'sometimes' }),
    (e: unknown) => e instanceof StackError && e.code === 'STACK_ERR_CONFIG' && /SCALEOUT_DB_QUERY_CACHE_TYPE "sometimes" is invalid/.test(e.message),
  );
  assert.throws(() => queryCacheSetting('ON', 'lots', { type: '--query-cache-type', size: '--query-cache-size' }), /--query-cache-size "lots" is invalid/);
});
