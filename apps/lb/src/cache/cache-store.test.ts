import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheObject } from './cache-object.js';
import { CacheStore } from './cache-store.js';
import { BanSyntaxError, parseBanExpression } from './ban-expression.js';
import type { Freshness } from './freshness.js';

const fresh: Freshness = { lifetimeMs: 60_000, initialAgeMs: 0, swrMs: 0, sieMs: 0, mustRevalidate: false, graceAllowed: true, noCache: false, etag: null, lastModified: null };
const obj = (key: string, body = 'x'.repeat(100), vary: string[] = [], keys: string[] = [], status = 200) =>
  new CacheObject(key, 'h', key, status, 'OK', { rawNames: ['Surrogate-Key'], names: ['surrogate-key'], values: [keys.join(' ')] }, Buffer.from(body), fresh, 0, vary.length ? ['accept'] : [], vary, keys);

test('LRU by bytes: the least recently used goes first, a touched object stays', () => {
  const one = obj('/1').size;
  const s = new CacheStore(one * 3, 8);
  const a = obj('/a');
  s.insert(a);
  s.insert(obj('/b'));
  s.insert(obj('/c'));
  s.touch(a);
  s.insert(obj('/d'));
  assert.equal(s.objects, 3);
  assert.ok(s.bytes <= s.maxBytes);
  assert.equal(s.variants('/b'), undefined, 'b was the least recently used');
  assert.ok(s.variants('/a'));
  assert.equal(s.counters.evictions, 1);
});

test('variants: same Vary values replace, the oldest goes past the limit', () => {
  const s = new CacheStore(1 << 20, 2);
  s.insert(obj('/v', 'en', ['en']));
  s.insert(obj('/v', 'fr', ['fr']));
  s.insert(obj('/v', 'fr2', ['fr']));
  assert.equal(s.variants('/v')!.length, 2);
  s.insert(obj('/v', 'de', ['de']));
  assert.deepEqual(s.variants('/v')!.map((o) => o.varyValues[0]), ['fr', 'de']);
  assert.equal(s.objects, 2);
});

test('bans: surrogate keys and expressions; syntax errors name the problem', () => {
  const s = new CacheStore(1 << 20, 8);
  s.insert(obj('/p1', 'a', [], ['catalogue', 'p1']));
  s.insert(obj('/p2', 'b', [], ['p2']));
  s.insert(obj('/x', 'c', [], [], 404));
  assert.equal(s.banKeys(['p1']), 1);
  assert.equal(s.banWhere(parseBanExpression('obj.status == 404')), 1);
  assert.equal(s.banWhere(parseBanExpression('obj.http.surrogate-key ~ "p2" && req.url != "/nope"')), 1);
  assert.equal(s.objects, 0);
  assert.equal(s.bytes, 0);
  for (const bad of ['', 'req.url', 'req.url =', 'req.url == "x', 'obj.status == abc', 'req.url ~ "["', 'req.url == x || req.host == y']) {
    assert.throws(() => parseBanExpression(bad), BanSyntaxError, bad);
  }
});
