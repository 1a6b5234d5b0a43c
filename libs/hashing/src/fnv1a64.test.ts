import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a64 } from './fnv1a64.js';
import { HashingError } from './hashing-error.js';

/** Straightforward BigInt FNV-1a 64 over UTF-8 bytes, the reference for the split 32-bit version. */
function reference(data: string | Uint8Array): bigint {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
    assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64('foobar'), 0x85944171f73967e8n);
  });

  it('matches a BigInt reference on ASCII, non-ASCII, surrogate pairs and bytes', () => {
    const samples = ['session:1', 'ünïcødé', 'mixed ascii then 🔑 and more', '\uD800 lone surrogate', 'x'.repeat(1000)];
    for (let i = 0; i < 500; i++) samples.push(`key-${i}-${(i * 7919) % 1013}`);
    for (const s of samples) {
      assert.equal(fnv1a64(s), reference(s), s);
      assert.equal(fnv1a64(Buffer.from(s)), reference(s), `bytes of ${s}`);
    }
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    assert.equal(fnv1a64(bytes), reference(bytes));
  });

  it('rejects keys that are neither strings nor bytes', () => {
    assert.throws(
      () => fnv1a64(12 as unknown as string),
      (e: unknown) => e instanceof HashingError && e.code === 'HASH_ERR_INVALID_KEY',
    );
  });
});
