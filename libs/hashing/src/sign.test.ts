import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sign } from './sign.js';
import { unsign } from './unsign.js';
import { createSigner } from './create-signer.js';
import { HashingError } from './hashing-error.js';

const OLD = 'old-secret-0123456789abcdefghijklmnop';
const NEW = 'new-secret-0123456789abcdefghijklmnop';

function code(fn: () => unknown, c: string): void {
  assert.throws(fn, (e: unknown) => e instanceof HashingError && e.code === c);
}

describe('sign / unsign', () => {
  it('produces "<value>.<HMAC-SHA256 base64url>" and round-trips', () => {
    const signed = sign('session-123', NEW);
    const mac = createHmac('sha256', NEW).update('session-123').digest('base64url');
    assert.equal(signed, `session-123.${mac}`);
    assert.equal(mac.length, 43);
    assert.equal(unsign(signed, NEW), 'session-123');
    for (const value of ['', 'a.b.c', 'ünïcødé 🔑', 'x'.repeat(4000)]) assert.equal(unsign(sign(value, NEW), NEW), value);
  });

  it('detects tampering with the value or the signature', () => {
    const signed = sign('user=1', NEW);
    const dot = signed.lastIndexOf('.');
    assert.equal(unsign(`user=2${signed.slice(dot)}`, NEW), null);
    const sig = signed.slice(dot + 1);
    const flipped = sig[0] === 'A' ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    assert.equal(unsign(`user=1.${flipped}`, NEW), null);
    assert.equal(unsign(signed, OLD), null, 'another secret must not verify');
    assert.equal(unsign('user=1', NEW), null, 'unsigned value');
    assert.equal(unsign(42 as unknown as string, NEW), null);
  });

  it('returns null for signatures of the wrong length or encoding', () => {
    const signed = sign('v', NEW);
    assert.equal(unsign(signed.slice(0, -1), NEW), null);
    assert.equal(unsign(`${signed}A`, NEW), null);
    assert.equal(unsign('v.', NEW), null);
    assert.equal(unsign(`v.${'é'.repeat(43)}`, NEW), null);
    // same bytes, non-canonical spelling: the last character's 2 spare bits set
    const sig = signed.slice(2);
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(sig[42]);
    const alias = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1];
    assert.deepEqual(Buffer.from(sig.slice(0, 42) + alias, 'base64url'), Buffer.from(sig, 'base64url'));
    assert.equal(unsign(`v.${sig.slice(0, 42)}${alias}`, NEW), null);
  });

  it('rotates keys: the first secret signs, every secret verifies', () => {
    const legacy = sign('cart-9', OLD);
    assert.equal(unsign(legacy, [NEW, OLD]), 'cart-9');
    assert.equal(unsign(legacy, [NEW]), null);
    const signer = createSigner([NEW, OLD]);
    assert.equal(signer.unsign(legacy), 'cart-9');
    assert.equal(signer.sign('cart-9'), sign('cart-9', NEW));
    assert.equal(createSigner(NEW).unsign(signer.sign('x')), 'x');
    assert.equal(signer.unsign(sign('x', 'z'.repeat(32))), null);
  });

  it('refuses secrets shorter than 32 bytes and empty secret lists', () => {
    const short = 'x'.repeat(31);
    code(() => sign('v', short), 'HASH_ERR_SECRET_TOO_SHORT');
    code(() => unsign('v.sig', short), 'HASH_ERR_SECRET_TOO_SHORT');
    code(() => unsign('v.sig', [NEW, short]), 'HASH_ERR_SECRET_TOO_SHORT');
    code(() => createSigner([]), 'HASH_ERR_NO_SECRETS');
    code(() => sign(7 as unknown as string, NEW), 'HASH_ERR_INVALID_VALUE');
    assert.equal(unsign(sign('v', Buffer.alloc(32, 1)), Buffer.alloc(32, 1)), 'v');
    assert.equal(unsign(sign('v', 'é'.repeat(16)), 'é'.repeat(16)), 'v', '32 UTF-8 bytes are enough');
  });
});
