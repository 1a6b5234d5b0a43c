import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv6, parseIp } from './ip-address.js';

test('IPv4 and IPv6 literals in canonical form and bytes', () => {
  assert.deepEqual(parseIp('127.0.1.1'), { text: '127.0.1.1', family: 4, bytes: Buffer.from([127, 0, 1, 1]) });
  const v6 = parseIp('2001:DB8:0:0:0:0:0:1')!;
  assert.equal(v6.text, '2001:db8::1');
  assert.equal(v6.bytes.toString('hex'), '20010db8000000000000000000000001');
  assert.equal(parseIp('::ffff:1.2.3.4')!.bytes.toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(parseIp('::')!.text, '::');
  assert.equal(formatIpv6(Buffer.from('00010000000000010000000000000001', 'hex')), '1:0:0:1::1');
  assert.equal(parseIp('www'), undefined);
  assert.equal(parseIp('300.1.1.1'), undefined);
});
