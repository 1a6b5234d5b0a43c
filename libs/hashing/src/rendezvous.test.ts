import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rendezvous } from './rendezvous.js';
import { rendezvousN } from './rendezvous-n.js';
import { HashingError } from './hashing-error.js';

const KEYS = Array.from({ length: 100_000 }, (_, i) => `session:${i}`);
const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `web${i + 1}`);

function code(fn: () => unknown, c: string): void {
  assert.throws(fn, (e: unknown) => e instanceof HashingError && e.code === c);
}

describe('rendezvous', () => {
  it('is deterministic, independent of node order, and picks a member', () => {
    const list = nodes(5);
    const reversed = [...list].reverse();
    for (const key of KEYS.slice(0, 2000)) {
      const winner = rendezvous(key, list);
      assert.ok(list.includes(winner));
      assert.equal(rendezvous(key, list), winner);
      assert.equal(rendezvous(key, reversed), winner);
    }
  });

  for (const n of [4, 9]) {
    it(`adding a node to ${n} moves about 1/${n + 1} of the keys, all to the new node`, () => {
      const before = nodes(n);
      const after = nodes(n + 1);
      let moved = 0;
      for (const key of KEYS) {
        const a = rendezvous(key, before);
        const b = rendezvous(key, after);
        if (a !== b) {
          assert.equal(b, after[n]);
          moved++;
        }
      }
      const fraction = moved / KEYS.length;
      const expected = 1 / (n + 1);
      assert.ok(Math.abs(fraction - expected) < expected * 0.1, `remap fraction ${fraction}, expected ~${expected}`);
    });
  }

  it('removing a node that is not the winner never moves a key', () => {
    const list = nodes(6);
    for (const key of KEYS.slice(0, 20_000)) {
      const winner = rendezvous(key, list);
      const loser = list.find((n) => n !== winner) as string;
      assert.equal(rendezvous(key, list.filter((n) => n !== loser)), winner, key);
    }
  });

  it('spreads 100k keys evenly over 10 nodes (max/mean <= 1.1)', () => {
    const list = nodes(10);
    const load = new Map<string, number>();
    for (const key of KEYS) {
      const w = rendezvous(key, list);
      load.set(w, (load.get(w) ?? 0) + 1);
    }
    assert.equal(load.size, 10);
    const ratio = Math.max(...load.values()) / (KEYS.length / 10);
    assert.ok(ratio <= 1.1, `max/mean ${ratio}`);
  });

  it('respects weights (share ~ weight / total) and equal weights match the unweighted answer', () => {
    const list = nodes(4);
    const weights = [1, 2, 3, 4];
    const load = new Map<string, number>();
    for (const key of KEYS) {
      const w = rendezvous(key, list, weights);
      load.set(w, (load.get(w) ?? 0) + 1);
    }
    list.forEach((node, i) => {
      const share = (load.get(node) ?? 0) / KEYS.length;
      const expected = weights[i] / 10;
      assert.ok(Math.abs(share - expected) < expected * 0.1, `${node}: share ${share}, expected ${expected}`);
    });
    for (const key of KEYS.slice(0, 5000)) assert.equal(rendezvous(key, list, [5, 5, 5, 5]), rendezvous(key, list));
  });

  it('hashes Buffer keys like the equal UTF-8 string', () => {
    for (const key of ['plain', 'ünïcødé', '🔑']) assert.equal(rendezvous(Buffer.from(key), nodes(7)), rendezvous(key, nodes(7)));
  });

  it('rejects empty node lists and bad weights', () => {
    code(() => rendezvous('k', []), 'HASH_ERR_NO_NODES');
    code(() => rendezvous('k', ['a', 'b'], [1]), 'HASH_ERR_INVALID_WEIGHT');
    code(() => rendezvous('k', ['a', 'b'], [1, 0]), 'HASH_ERR_INVALID_WEIGHT');
    code(() => rendezvous('k', ['a', 7 as unknown as string]), 'HASH_ERR_INVALID_NODE');
  });
});

describe('rendezvousN', () => {
  it('returns n distinct nodes, best first, consistent with rendezvous and stable', () => {
    const list = nodes(6);
    for (const key of KEYS.slice(0, 2000)) {
      const three = rendezvousN(key, list, 3);
      assert.equal(three.length, 3);
      assert.equal(new Set(three).size, 3);
      assert.equal(three[0], rendezvous(key, list));
      assert.deepEqual(rendezvousN(key, list, 3), three);
      assert.deepEqual(rendezvousN(key, list, 2), three.slice(0, 2));
      // the second choice is the winner once the first is gone
      assert.equal(rendezvous(key, list.filter((n) => n !== three[0])), three[1]);
    }
    assert.deepEqual(rendezvousN('k', list, 0), []);
    assert.deepEqual([...rendezvousN('k', list, 99)].sort(), [...list].sort());
    assert.deepEqual(rendezvousN('k', ['a', 'a', 'b'], 3).sort(), ['a', 'b']);
    code(() => rendezvousN('k', list, -1), 'HASH_ERR_INVALID_COUNT');
    code(() => rendezvousN('k', [], 1), 'HASH_ERR_NO_NODES');
  });
});
