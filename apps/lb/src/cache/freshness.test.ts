import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCacheControl } from './cache-control.js';
import { decideStore, etagMatches, type HeaderList } from './freshness.js';

const h = (o: Record<string, string>): HeaderList => ({ names: Object.keys(o), values: Object.values(o) });
const now = Date.parse('2026-01-01T00:00:00Z');
const opts = { defaultTtlMs: 0 };

test('Cache-Control: directives, quoted commas, duplicates and invalid values', () => {
  const d = parseCacheControl(['public, max-age=60', 'private="a, b", stale-while-revalidate=5']);
  assert.equal(d.maxAge, 60);
  assert.equal(d.public, true);
  assert.equal(d.private, true);
  assert.equal(d.staleWhileRevalidate, 5);
  assert.equal(parseCacheControl(['max-age=60, max-age=120']).maxAge, 0, 'a duplicated max-age is treated as stale');
  assert.equal(parseCacheControl(['max-age=abc']).maxAge, 0);
  assert.equal(parseCacheControl(['s-maxage="30"']).sMaxAge, 30);
});

test('storing: explicit freshness, default TTL, statuses, Authorization', () => {
  assert.equal(decideStore(200, h({}), now, now, false, opts).reason, 'no-freshness');
  assert.equal(decideStore(200, h({}), now, now, false, { defaultTtlMs: 5000 }).freshness?.lifetimeMs, 5000);
  assert.equal(decideStore(302, h({}), now, now, false, { defaultTtlMs: 5000 }).ok, false, '302 needs explicit freshness');
  assert.equal(decideStore(302, h({ 'cache-control': 'max-age=5' }), now, now, false, opts).ok, true);
  assert.equal(decideStore(500, h({ 'cache-control': 'max-age=5' }), now, now, false, opts).ok, false);
  assert.equal(decideStore(200, h({ 'cache-control': 'max-age=5' }), now, now, true, opts).reason, 'authorization');
  assert.equal(decideStore(200, h({ 'cache-control': 'public, max-age=5' }), now, now, true, opts).ok, true);
  assert.equal(decideStore(200, h({ 'cache-control': 'max-age=5', vary: 'Accept, *' }), now, now, false, opts).reason, 'vary-star');
});

test('age: apparent age from Date, corrected age from Age plus the response delay', () => {
  const date = new Date(now - 30_000).toUTCString();
  const f = decideStore(200, h({ 'cache-control': 'max-age=60', date }), now, now, false, opts).freshness!;
  assert.ok(f.initialAgeMs >= 29_000 && f.initialAgeMs <= 30_000, `apparent age ${f.initialAgeMs}`);
  const g = decideStore(200, h({ 'cache-control': 'max-age=60', age: '10' }), now - 200, now, false, opts).freshness!;
  assert.equal(g.initialAgeMs, 10_200);
});

test('revalidation rules: must-revalidate, proxy-revalidate, s-maxage, no-cache', () => {
  const mr = decideStore(200, h({ 'cache-control': 'max-age=1, must-revalidate, stale-while-revalidate=9' }), now, now, false, opts).freshness!;
  assert.equal(mr.swrMs, 0);
  assert.equal(mr.graceAllowed, false);
  const sm = decideStore(200, h({ 'cache-control': 's-maxage=1, stale-while-revalidate=9' }), now, now, false, opts).freshness!;
  assert.equal(sm.swrMs, 9000, 'explicit stale-while-revalidate still applies');
  assert.equal(sm.graceAllowed, false, 's-maxage implies proxy-revalidate');
  const nc = decideStore(200, h({ 'cache-control': 'no-cache, max-age=60', etag: '"x"' }), now, now, false, opts);
  assert.equal(nc.ok, true);
  assert.equal(nc.freshness!.lifetimeMs, 0);
  assert.equal(nc.freshness!.noCache, true);
});

test('entity tags: weak comparison, lists, *', () => {
  assert.equal(etagMatches('W/"a"', '"a"'), true);
  assert.equal(etagMatches('"b", "a"', 'W/"a"'), true);
  assert.equal(etagMatches('"b"', '"a"'), false);
  assert.equal(etagMatches('*', '"a"'), true);
  assert.equal(etagMatches('*', null), false);
});
