import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import HashRing from 'hashring';
import { KetamaRing } from './ketama-ring.js';
import { HashingError } from './hashing-error.js';

const hosts = (n: number, base = 0): string[] =>
  Array.from({ length: n }, (_, i) => `10.0.4.${base + i + 1}:11211`);
const KEYS = Array.from({ length: 100_000 }, (_, i) => `session:${i}`);
const FIXED = KEYS.slice(0, 10_000);

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof HashingError && err.code === code);
}

/** Points per node and every lookup of FIXED agree between our ring and a hashring instance. */
function assertSameAsHashring(ours: KetamaRing, theirs: HashRing, nodes: string[]): void {
  const points = theirs.points(nodes);
  for (const node of nodes) assert.deepEqual(ours.pointsOf(node), points[node], `points of ${node}`);
  let differ = 0;
  for (const key of FIXED) if (ours.get(key) !== theirs.get(key)) differ++;
  assert.equal(differ, 0, 'lookups that differ from hashring');
}

describe('KetamaRing: compatibility', () => {
  it('derives points from MD5("<node>-<i>") read as 4 little-endian uint32 words', () => {
    const ring = new KetamaRing(['a', 'b']);
    const points = ring.pointsOf('a');
    assert.equal(points.length, 160);
    for (const i of [0, 17, 39]) {
      const d = createHash('md5').update(`a-${i}`).digest();
      for (let j = 0; j < 4; j++) assert.ok(points.includes(d.readUInt32LE(j * 4)), `a-${i} word ${j}`);
    }
    // a key goes to the owner of the first point >= LE uint32 of its MD5
    const h = createHash('md5').update('user:42').digest().readUInt32LE(0);
    const all = [...ring.pointsOf('a').map((p) => [p, 'a'] as const), ...ring.pointsOf('b').map((p) => [p, 'b'] as const)];
    all.sort((x, y) => x[0] - y[0]);
    const next = all.find(([p]) => p >= h) ?? all[0];
    assert.equal(ring.get('user:42'), next[1]);
  });

  for (const n of [3, 4, 5, 6]) {
    it(`agrees with hashring on points and 10k lookups over ${n} equal-weight nodes`, () => {
      const nodes = hosts(n);
      const ring = new KetamaRing(nodes);
      assert.equal(ring.pointCount, 160 * n);
      assertSameAsHashring(ring, new HashRing(nodes), nodes);
    });
  }

  it('agrees with hashring on a weighted ring (weights 1, 2, 3 -> 80, 160, 240 points)', () => {
    const nodes = hosts(3);
    const ring = new KetamaRing(nodes.map((id, i) => ({ id, weight: i + 1 })));
    assert.deepEqual(nodes.map((n) => ring.pointsOf(n).length), [80, 160, 240]);
    const theirs = new HashRing(Object.fromEntries(nodes.map((id, i) => [id, i + 1])));
    assertSameAsHashring(ring, theirs, nodes);
  });

  it('agrees with hashring replica ranges (getN vs range)', () => {
    const nodes = hosts(5);
    const ring = new KetamaRing(nodes);
    const theirs = new HashRing(nodes);
    for (const key of FIXED.slice(0, 2000)) {
      for (const n of [1, 2, 3, 5]) assert.deepEqual(ring.getN(key, n), theirs.range(key, n), `${key} n=${n}`);
    }
  });

  it('7 equal nodes: libmemcached rounding gives 160 points each, hashring 156; compat "hashring" matches it', () => {
    const nodes = hosts(7);
    assert.equal(new KetamaRing(nodes).pointCount, 7 * 160);
    const theirs = new HashRing(nodes);
    assert.equal(theirs.points(nodes)[nodes[0]].length, 156);
    const compat = new KetamaRing(nodes, { compat: 'hashring' });
    assert.equal(compat.pointCount, 7 * 156);
    assertSameAsHashring(compat, theirs, nodes);
  });

  it('weights 1,1,3,10,10: libmemcached float rounding drops a digest that hashring keeps', () => {
    const nodes = hosts(5);
    const weights = [1, 1, 3, 10, 10];
    const input = nodes.map((id, i) => ({ id, weight: weights[i] }));
    const digests = (r: KetamaRing): number[] => nodes.map((n) => r.pointsOf(n).length / 4);
    // libmemcached: floorf((float)w/(float)25 * 160 / 4 * 5) -> 7, 7, 23, 80, 80
    assert.deepEqual(digests(new KetamaRing(input)), [7, 7, 23, 80, 80]);
    const compat = new KetamaRing(input, { compat: 'hashring' });
    assert.deepEqual(digests(compat), [8, 8, 24, 80, 80]);
    assertSameAsHashring(compat, new HashRing(Object.fromEntries(nodes.map((id, i) => [id, weights[i]]))), nodes);
  });

  it('25 equal nodes: libmemcached rounding gives 156 points each (as libmemcached does), hashring 160', () => {
    const nodes = hosts(25);
    assert.equal(new KetamaRing(nodes).pointsOf(nodes[0]).length, 156);
    assert.equal(new KetamaRing(nodes, { compat: 'hashring' }).pointsOf(nodes[0]).length, 160);
  });

  it('hashes Buffer keys like the equal UTF-8 string', () => {
    const ring = new KetamaRing(hosts(4));
    for (const key of ['plain', 'ünïcødé', '🔑 key']) assert.equal(ring.get(Buffer.from(key)), ring.get(key));
  });
});

describe('KetamaRing: balance and movement', () => {
  it('moves 17-23% of 100k keys from 4 to 5 nodes, all of them to the new node', () => {
    const before = new KetamaRing(hosts(4));
    const after = new KetamaRing(hosts(5));
    const added = hosts(5)[4];
    let moved = 0;
    for (const key of KEYS) {
      const a = before.get(key);
      const b = after.get(key);
      if (a !== b) {
        moved++;
        assert.equal(b, added, `${key} moved between old nodes`);
      }
    }
    const fraction = moved / KEYS.length;
    assert.ok(fraction >= 0.17 && fraction <= 0.23, `remap fraction ${fraction}`);
  });

  it('keeps max/mean load at most 1.25 over 10 nodes and 100k keys', () => {
    const ring = new KetamaRing(hosts(10));
    const load = new Map<string, number>();
    for (const key of KEYS) {
      const node = ring.get(key);
      load.set(node, (load.get(node) ?? 0) + 1);
    }
    assert.equal(load.size, 10);
    const ratio = Math.max(...load.values()) / (KEYS.length / 10);
    assert.ok(ratio <= 1.25, `max/mean ${ratio}`);
  });

  it('gives a node a share of keys that follows its weight', () => {
    const ring = new KetamaRing([{ id: 'small', weight: 1 }, { id: 'big', weight: 3 }]);
    let big = 0;
    for (const key of KEYS) if (ring.get(key) === 'big') big++;
    const share = big / KEYS.length;
    assert.ok(share > 0.68 && share < 0.82, `share of the weight-3 node ${share}`);
  });
});

describe('KetamaRing: API', () => {
  it('getN returns n distinct nodes, owner first, stable across calls', () => {
    const ring = new KetamaRing(hosts(6));
    for (const key of FIXED.slice(0, 1000)) {
      const three = ring.getN(key, 3);
      assert.equal(three.length, 3);
      assert.equal(new Set(three).size, 3);
      assert.equal(three[0], ring.get(key));
      assert.deepEqual(ring.getN(key, 3), three);
      assert.deepEqual(ring.getN(key, 2), three.slice(0, 2));
    }
    assert.deepEqual(ring.getN('k', 0), []);
    const all = ring.getN('k', 50);
    assert.equal(all.length, 6);
    assert.deepEqual([...all].sort(), [...hosts(6)].sort());
    assertCode(() => ring.getN('k', -1), 'HASH_ERR_INVALID_COUNT');
    assertCode(() => ring.getN('k', 1.5), 'HASH_ERR_INVALID_COUNT');
  });

  it('remove moves only the removed node\'s keys; adding it back restores the mapping', () => {
    const ring = new KetamaRing(hosts(5));
    const victim = hosts(5)[2];
    const before = FIXED.map((k) => ring.get(k));
    assert.equal(ring.remove(victim), true);
    assert.equal(ring.remove(victim), false);
    assert.equal(ring.has(victim), false);
    assert.equal(ring.size, 4);
    assert.equal(ring.pointCount, 4 * 160);
    FIXED.forEach((k, i) => {
      const now = ring.get(k);
      if (before[i] === victim) assert.notEqual(now, victim);
      else assert.equal(now, before[i], `${k} moved although its node stayed`);
    });
    ring.add(victim);
    assert.equal(ring.has(victim), true);
    assert.deepEqual(FIXED.map((k) => ring.get(k)), before);
  });

  it('add accepts weights, updates an existing node and ignores an unchanged one', () => {
    const ring = new KetamaRing(['a', 'b']);
    const snapshot = ring.nodes;
    ring.add('a');
    assert.equal(ring.nodes, snapshot, 'unchanged add must not rebuild');
    ring.add('c', 2);
    assert.deepEqual(ring.nodes, ['a', 'b', 'c']);
    assert.equal(ring.weightOf('c'), 2);
    assert.equal(ring.pointsOf('c').length, 2 * ring.pointsOf('a').length);
    ring.add({ id: 'c', weight: 1 });
    assert.equal(ring.weightOf('c'), 1);
    assert.equal(ring.pointCount, 3 * 160);
    assert.equal(ring.weightOf('zz'), undefined);
    assert.ok(Object.isFrozen(ring.nodes));
  });

  it('throws HASH_ERR_EMPTY_RING when there is no node', () => {
    const ring = new KetamaRing();
    assert.equal(ring.size, 0);
    assertCode(() => ring.get('k'), 'HASH_ERR_EMPTY_RING');
    assertCode(() => ring.getN('k', 2), 'HASH_ERR_EMPTY_RING');
    ring.add('only');
    assert.equal(ring.get('k'), 'only');
    ring.remove('only');
    assertCode(() => ring.get('k'), 'HASH_ERR_EMPTY_RING');
  });

  it('rejects bad nodes, weights, keys and options with codes', () => {
    assertCode(() => new KetamaRing(['a', 'a']), 'HASH_ERR_DUPLICATE_NODE');
    assertCode(() => new KetamaRing(['']), 'HASH_ERR_INVALID_NODE');
    assertCode(() => new KetamaRing([{ id: 'a', weight: 0 }]), 'HASH_ERR_INVALID_WEIGHT');
    assertCode(() => new KetamaRing([{ id: 'a', weight: Number.NaN }]), 'HASH_ERR_INVALID_WEIGHT');
    assertCode(() => new KetamaRing(['a']).add('b', -1), 'HASH_ERR_INVALID_WEIGHT');
    assertCode(() => new KetamaRing(['a']).get(42 as unknown as string), 'HASH_ERR_INVALID_KEY');
    assertCode(() => new KetamaRing(['a'], { compat: 'nope' as 'hashring' }), 'HASH_ERR_INVALID_VALUE');
  });
});
