import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@scaleout/service';
import { createRegistry } from '@scaleout/metrics';
import { GtidPosition } from '@scaleout/replication';
import { matchRule, parseCacheRules } from './cache-rules.js';
import { ResultCache } from './result-cache.js';
import { ResultCacheMetrics } from './result-cache-metrics.js';
import { loadDbProxyConfig } from '../config.js';

const WRITER = { isWriter: true, known: GtidPosition.EMPTY };

function cache(maxBytes = 10_000, now = () => 0) {
  const rules = parseCacheRules('[{"regex":"FROM products","ttl":"1s"}]');
  return new ResultCache({ rules, maxBytes, maxEntryBytes: 4000, maxLagMs: 5000, metrics: new ResultCacheMetrics(createRegistry({ defaultMetrics: false })), now });
}

test('rules: regex or digest, validated with clear messages', () => {
  const rules = parseCacheRules('[{"digest":"SELECT * FROM t WHERE id = 1","ttl":500,"name":"byid"},{"regex":"^select","ttl":"2s"}]');
  assert.equal(matchRule(rules, 'select * from t where id=99')?.name, 'byid');
  assert.equal(matchRule(rules, 'SELECT 1')?.name, 'rule2');
  assert.equal(matchRule(rules, 'UPDATE t SET x = 1'), undefined);
  const bad = (raw: string, re: RegExp) => assert.throws(() => parseCacheRules(raw), (e: unknown) => e instanceof ConfigError && re.test(e.message), raw);
  bad('{', /not valid JSON/);
  bad('{"regex":"a","ttl":1}', /must be a JSON array/);
  bad('[{"regex":"(","ttl":1}]', /rule 1 is invalid: "regex" does not compile/);
  bad('[{"regex":"a"}]', /"ttl" undefined must be a duration/);
  bad('[{"regex":"a","digest":"b","ttl":1}]', /exactly one of "regex" and "digest"/);
  bad('[{"regex":"a","ttl":1,"x":1}]', /unknown field "x"/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_RESULT_CACHE_RULES: '[{"regex":"a","ttl":"forever"}]' }), /DBPROXY_RESULT_CACHE_RULES: rule 1 is invalid/);
  assert.throws(() => loadDbProxyConfig({ DBPROXY_RESULT_CACHE_MAX_BYTES: '70000', DBPROXY_RESULT_CACHE_MAX_ENTRY_BYTES: '80000' }), /must not exceed DBPROXY_RESULT_CACHE_MAX_BYTES/);
  assert.deepEqual(loadDbProxyConfig({}).resultCacheRules, [], 'off by default');
});

test('store, hit, TTL, invalidation by table, a write racing a fill wins', () => {
  let t = 0;
  const c = cache(10_000, () => t);
  const rule = c.rules[0]!;
  const k1 = c.ticket('k1', rule, ['shop.products']);
  assert.ok(c.store(k1, Buffer.alloc(100, 1), WRITER));
  assert.ok(c.get('k1', rule));
  c.invalidate(['shop.other'], GtidPosition.EMPTY, 'local');
  assert.ok(c.get('k1', rule), 'a write to another table leaves it');
  c.invalidate(['shop.products'], GtidPosition.EMPTY, 'local');
  assert.equal(c.get('k1', rule), undefined);
  const raced = c.ticket('k1', rule, ['shop.products']);
  c.invalidate(['shop.products'], GtidPosition.EMPTY, 'local');
  assert.equal(c.store(raced, Buffer.alloc(10), WRITER), false, 'filled across a write: not stored');
  assert.ok(c.store(c.ticket('k2', rule, []), Buffer.alloc(10), WRITER));
  t = 999;
  assert.ok(c.get('k2', rule));
  t = 1000;
  assert.equal(c.get('k2', rule), undefined, 'expired at its TTL');
});

test('reader fills wait for the write position (or DBPROXY_MAX_LAG without one)', () => {
  let t = 0;
  const c = cache(10_000, () => t);
  const rule = c.rules[0]!;
  c.invalidate(['shop.products'], GtidPosition.parse('1-1-10'), 'local');
  assert.equal(c.store(c.ticket('a', rule, ['shop.products']), Buffer.alloc(10), { isWriter: false, known: GtidPosition.parse('1-1-9') }), false);
  assert.ok(c.store(c.ticket('a', rule, ['shop.products']), Buffer.alloc(10), { isWriter: false, known: GtidPosition.parse('1-1-10') }));
  c.invalidate(['shop.x'], GtidPosition.EMPTY, 'local');
  assert.equal(c.store(c.ticket('b', rule, ['shop.x']), Buffer.alloc(10), { isWriter: false, known: GtidPosition.parse('1-1-10') }), false);
  t = 5001;
  assert.ok(c.store(c.ticket('b', rule, ['shop.x']), Buffer.alloc(10), { isWriter: false, known: GtidPosition.parse('1-1-10') }));
});

test('LRU by bytes stays within the bound', () => {
  const c = cache(5000);
  const rule = c.rules[0]!;
  for (let i = 0; i < 100; i++) c.store(c.ticket(`k${i}`, rule, ['shop.products']), Buffer.alloc(500), WRITER);
  assert.ok(c.bytes <= 5000, `${c.bytes} bytes`);
  assert.ok(c.get('k99', rule), 'the newest is kept');
  assert.equal(c.get('k0', rule), undefined, 'the oldest is gone');
  assert.equal(c.store(c.ticket('big', rule, []), Buffer.alloc(4500), WRITER), false, 'larger than the entry limit');
  c.invalidate('all', GtidPosition.EMPTY, 'peer');
  assert.equal(c.size, 0);
  assert.equal(c.bytes, 0);
});
