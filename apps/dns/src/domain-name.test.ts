import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainName } from './domain-name.js';
import { ZoneSyntaxError } from './errors.js';

test('parses absolute, relative and @ names; compares case-insensitively (RFC 4343)', () => {
  const origin = DomainName.parse('Example.Test.');
  assert.equal(DomainName.parse('www', origin).toString(), 'www.Example.Test.');
  assert.equal(DomainName.parse('@', origin), origin);
  assert.ok(DomainName.parse('WWW.EXAMPLE.TEST.').equals(DomainName.parse('www.example.test.')));
  assert.equal(DomainName.parse('www.example.test.').key, DomainName.parse('WwW.eXaMpLe.TeSt.').key);
  assert.equal(DomainName.root.toString(), '.');
  assert.equal(DomainName.parse('www.example.test.').toDisplay(), 'www.example.test');
});

test('escapes: \\. inside a label and \\DDD bytes', () => {
  const n = DomainName.parse('a\\.b.c\\065.test.');
  assert.deepEqual(n.labels.map((l) => l.toString('latin1')), ['a.b', 'cA', 'test']);
  assert.equal(n.toString(), 'a\\.b.cA.test.');
  assert.throws(() => DomainName.parse('a\\999.test.'), ZoneSyntaxError);
});

test('rejects empty labels, over-long labels and names, and relative names without an origin', () => {
  assert.throws(() => DomainName.parse('a..test.'), ZoneSyntaxError);
  assert.throws(() => DomainName.parse(`${'a'.repeat(64)}.test.`), ZoneSyntaxError);
  assert.throws(() => DomainName.parse(`${Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.')}.`), ZoneSyntaxError);
  assert.throws(() => DomainName.parse('www'), /without an origin/);
});

test('isWithin follows label boundaries', () => {
  const zone = DomainName.parse('b.test.');
  assert.ok(DomainName.parse('a.b.test.').isWithin(zone));
  assert.ok(DomainName.parse('B.TEST.').isWithin(zone));
  assert.equal(DomainName.parse('ab.test.').isWithin(zone), false);
  assert.equal(DomainName.parse('test.').isWithin(zone), false);
  assert.ok(DomainName.parse('anything.').isWithin(DomainName.root));
});
