import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsrfTokens } from './csrf.js';

test('a token verifies for its session only, and depends on the secret', () => {
  const csrf = new CsrfTokens('s'.repeat(40));
  const token = csrf.tokenFor('session-one-id-000000');
  assert.equal(token.length, 43);
  assert.equal(csrf.verify('session-one-id-000000', token), true);
  assert.equal(csrf.verify('session-two-id-000000', token), false);
  assert.equal(csrf.verify(null, token), false);
  assert.equal(csrf.verify('session-one-id-000000', undefined), false);
  assert.equal(csrf.verify('session-one-id-000000', `${token.slice(0, 42)}A` === token ? `${token.slice(0, 42)}B` : `${token.slice(0, 42)}A`), false);
  assert.notEqual(new CsrfTokens('t'.repeat(40)).tokenFor('session-one-id-000000'), token);
});
