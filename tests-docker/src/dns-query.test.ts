import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAnswer } from './dns-query.js';

test('parses the A records of an answer with name compression', () => {
  const answer = Buffer.from([
    0x12, 0x34, 0x84, 0x00, 0, 1, 0, 2, 0, 0, 0, 0,
    3, 0x77, 0x77, 0x77, 0, 0, 1, 0, 1,
    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 18, 100, 11,
    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 18, 100, 12,
  ]);
  assert.deepEqual(parseAnswer(answer, 0x1234), { rcode: 0, authoritative: true, addresses: ['198.18.100.11', '198.18.100.12'] });
  assert.throws(() => parseAnswer(answer, 0x1235), /wrong id/);
});
