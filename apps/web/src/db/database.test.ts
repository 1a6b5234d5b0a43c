import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '@scaleout/infra';
import { DbUnavailableError } from '../errors.js';
import { Database, isConnectionError, isDuplicateKey } from './database.js';
import { seedProduct } from './seed.js';
import { escapeLike } from '../shop/products-repo.js';

test('connection-level errors are told apart from SQL errors', () => {
  assert.equal(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isConnectionError(Object.assign(new Error('x'), { fatal: true })), true);
  assert.equal(isConnectionError(Object.assign(new Error('read only'), { errno: 1290 })), true);
  assert.equal(isConnectionError(Object.assign(new Error('syntax'), { errno: 1064 })), false);
  assert.equal(isDuplicateKey(Object.assign(new Error('dup'), { errno: 1062 })), true);
  assert.equal(isDuplicateKey(null), false);
});

test('every endpoint refusing connections gives DbUnavailableError (503)', async () => {
  const db = new Database({
    hosts: [
      { host: '127.0.0.1', port: await freePort() },
      { host: '127.0.0.1', port: await freePort() },
    ],
    user: 'app',
    password: 'app',
    database: 'shop',
    connectTimeoutMs: 500,
  });
  try {
    await assert.rejects(db.rows('x', 'SELECT 1'), (err: unknown) => err instanceof DbUnavailableError && err.statusCode === 503);
    await assert.rejects(db.transaction('t', async () => 1), DbUnavailableError);
  } finally {
    await db.close();
  }
  await assert.rejects(db.rows('x', 'SELECT 1'), DbUnavailableError);
});

test('the seed is deterministic and LIKE patterns are escaped', () => {
  assert.deepEqual(seedProduct(42), seedProduct(42));
  assert.notDeepEqual(seedProduct(42), seedProduct(43));
  assert.equal(seedProduct(7).sku, 'SKU-000007');
  assert.equal(escapeLike('50%_off\\'), '50\\%\\_off\\\\');
});
