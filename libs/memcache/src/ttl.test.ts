import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RELATIVE_EXPTIME, expirySeconds, toExptime } from './ttl.js';
import { MemcacheError } from './memcache-error.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
const NOW_S = Math.floor(NOW / 1000);

test('expirySeconds turns a relative ttl into an absolute Unix second, rounded up', () => {
  assert.equal(expirySeconds({ ttl: 10 }, NOW), NOW_S + 11); // 12:00:00.250 + 10 s → 12:00:10.250 → ceil
  assert.equal(expirySeconds({ ttl: 0 }, NOW), 0);
  assert.equal(expirySeconds(undefined, NOW), 0);
  assert.equal(expirySeconds(undefined, NOW, 60), NOW_S + 61);
  assert.equal(expirySeconds({ expiresAt: NOW + 5000 }, NOW), NOW_S + 6);
  assert.equal(expirySeconds({ expiresAt: (NOW_S + 100) * 1000, ttl: 1 }, NOW), NOW_S + 100, 'expiresAt wins');
});

test('expirySeconds refuses negative, non-finite and past expiries', () => {
  for (const bad of [{ ttl: -1 }, { ttl: Number.NaN }, { ttl: Infinity }, { expiresAt: NOW - 1 }, { expiresAt: NOW }, { ttl: 2 ** 33 }]) {
    assert.throws(() => expirySeconds(bad, NOW), (e: unknown) => e instanceof MemcacheError && e.code === 'MEMCACHE_ERR_BAD_TTL', JSON.stringify(bad));
  }
});

test('toExptime sends at most 30 days as relative seconds and anything longer as an absolute time', () => {
  assert.equal(toExptime(0, NOW), 0);
  assert.equal(toExptime(NOW_S + 60, NOW), 60);
  assert.equal(toExptime(NOW_S + MAX_RELATIVE_EXPTIME, NOW), MAX_RELATIVE_EXPTIME);
  // One second past the limit must not be sent as 2,592,001 (memcached would read 1970-01-31).
  assert.equal(toExptime(NOW_S + MAX_RELATIVE_EXPTIME + 1, NOW), NOW_S + MAX_RELATIVE_EXPTIME + 1);
  const fortyDays = expirySeconds({ ttl: 40 * 86400 }, NOW);
  assert.equal(toExptime(fortyDays, NOW), fortyDays);
  assert.ok(toExptime(fortyDays, NOW) > 1_700_000_000);
});

test('toExptime reports an expiry that has passed as -1', () => {
  assert.equal(toExptime(NOW_S, NOW), -1);
  assert.equal(toExptime(NOW_S - 100, NOW), -1);
});
