import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomId } from './random-id.js';
import { isRandomId } from './is-random-id.js';
import { HashingError } from './hashing-error.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function code(fn: () => unknown, c: string): void {
  assert.throws(fn, (e: unknown) => e instanceof HashingError && e.code === c);
}

describe('randomId', () => {
  it('encodes 16 random bytes as 22 base64url characters that decode back to 16 bytes', () => {
    for (let i = 0; i < 100; i++) {
      const id = randomId();
      assert.equal(id.length, 22);
      assert.match(id, BASE64URL);
      assert.equal(Buffer.from(id, 'base64url').length, 16);
    }
  });

  it('honours larger sizes', () => {
    for (const [bytes, length] of [[17, 23], [18, 24], [24, 32], [32, 43]] as const) {
      const id = randomId(bytes);
      assert.equal(id.length, length);
      assert.equal(Buffer.from(id, 'base64url').length, bytes);
    }
  });

  it('does not repeat over 50k ids, and uses every character of the alphabet', () => {
    const ids = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = randomId();
      ids.add(id);
      for (const c of id.slice(0, 21)) chars.add(c);
    }
    assert.equal(ids.size, 50_000);
    assert.equal(chars.size, 64);
  });

  it('refuses fewer than 16 bytes and nonsense sizes', () => {
    code(() => randomId(15), 'HASH_ERR_ID_TOO_SHORT');
    code(() => randomId(8), 'HASH_ERR_ID_TOO_SHORT');
    code(() => randomId(16.5), 'HASH_ERR_INVALID_ID_SIZE');
    code(() => randomId(4096), 'HASH_ERR_INVALID_ID_SIZE');
  });
});

describe('isRandomId', () => {
  it('accepts what randomId produces, for several sizes', () => {
    for (const bytes of [16, 17, 18, 32]) {
      for (let i = 0; i < 200; i++) assert.equal(isRandomId(randomId(bytes), bytes), true);
    }
  });

  it('rejects wrong lengths, foreign characters, non-canonical endings and non-strings', () => {
    const id = randomId();
    assert.equal(isRandomId(id.slice(1)), false);
    assert.equal(isRandomId(`${id}A`), false);
    assert.equal(isRandomId(randomId(32)), false);
    for (const bad of ['+', '/', '=', ' ', '.', 'é']) assert.equal(isRandomId(bad + id.slice(1)), false, bad);
    // 16 bytes leave 4 unused bits in the last character: only A, Q, g, w are canonical
    const stem = id.slice(0, 21);
    for (const last of ['A', 'Q', 'g', 'w']) assert.equal(isRandomId(stem + last), true, last);
    for (const last of ['B', 'R', 'h', 'x', '_']) assert.equal(isRandomId(stem + last), false, last);
    for (const v of [undefined, null, 42, {}, Buffer.from(id)]) assert.equal(isRandomId(v), false);
    code(() => isRandomId(id, 8), 'HASH_ERR_ID_TOO_SHORT');
  });
});
