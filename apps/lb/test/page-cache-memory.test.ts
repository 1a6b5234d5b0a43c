// The page cache's byte bound under 100k distinct URLs through a real LB and a real backend process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { admin, load, request, startBackend, startLb } from './helpers.js';

// A full collection before each heap reading, so the figure is what is retained (the cache and its
// index), not the garbage of 100k requests that a busy machine has not collected yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('memory bound: 100k distinct URLs keep the cache under LB_CACHE_MAX_BYTES, evicting the least recently used', async () => {
  const backend = await startBackend('web1');
  const t = await startLb({ LB_SERVERS: backend.address, LB_CACHE: 'true', LB_CACHE_DEFAULT_TTL: '1m', LB_CACHE_MAX_BYTES: '1048576', LB_STICKY: 'false' });
  try {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const N = 100_000;
    const r = await load(t.port, N, 16, (i) => `/m/${i}`);
    assert.deepEqual(r.failures, []);
    const stats = JSON.parse((await admin(t.adminPort, 'GET', '/api/cache')).body) as { objects: number; bytes: number; maxBytes: number; evictions: number };
    assert.equal(stats.maxBytes, 1_048_576);
    assert.ok(stats.bytes <= stats.maxBytes, `bytes ${stats.bytes} within the bound`);
    assert.ok(stats.objects > 100 && stats.objects < 5000, `objects ${stats.objects}`);
    assert.equal(stats.evictions, N - stats.objects, 'every URL was stored once, all but the last evicted');
    // the most recent URL is still there, the first one is gone
    assert.equal((await request({ port: t.port, path: `/m/${N - 1}` })).headers['x-cache'], 'HIT');
    assert.equal((await request({ port: t.port, path: '/m/0' })).headers['x-cache'], 'MISS');
    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(grown < 64 * 1024 * 1024, `heap grew ${grown} bytes`);
  } finally {
    await t.close();
    await backend.kill();
  }
});
