// DNS over TCP (RFC 7766): pipelining, split frames, bad length prefixes, idle timeout, connection limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsService } from '../src/index.js';
import { TcpDnsClient, frame, udpExchange } from './support/dns-client.js';
import { addresses, buildQuery, decode, readHeader } from './support/dns-wire.js';
import { startTestDns } from './support/start-dns.js';

let dns: DnsService;

before(async () => {
  dns = await startTestDns({
    DNS_ZONE: 'scaleout.test',
    DNS_RECORDS: 'www A 127.0.1.1; www A 127.0.1.2',
    DNS_TCP_IDLE_TIMEOUT: '300ms',
    DNS_TCP_MAX_CONNECTIONS: '4',
  });
});

after(() => dns?.close());

test('pipelined queries in one write are all answered, in order, rotating', async () => {
  const c = await TcpDnsClient.connect(dns.port);
  try {
    const queries = Array.from({ length: 20 }, (_, i) => buildQuery({ name: i % 5 === 4 ? 'nope.scaleout.test' : 'www.scaleout.test', id: 1000 + i }));
    c.write(Buffer.concat(queries.map(frame)));
    const replies = await c.waitFor(20);
    assert.deepEqual(replies.map((r) => readHeader(r).id), queries.map((_, i) => 1000 + i));
    assert.deepEqual(replies.map((r) => readHeader(r).rcode), queries.map((_, i) => (i % 5 === 4 ? 3 : 0)));
    const firsts = replies.filter((r) => readHeader(r).rcode === 0).map((r) => addresses(decode(r))[0]);
    for (let i = 1; i < firsts.length; i++) assert.notEqual(firsts[i], firsts[i - 1]);
  } finally {
    c.close();
  }
});

test('a message split into single bytes (length prefix included) is reassembled', async () => {
  const c = await TcpDnsClient.connect(dns.port);
  try {
    const bytes = Buffer.concat([frame(buildQuery({ name: 'www.scaleout.test', id: 7 })), frame(buildQuery({ name: 'www.scaleout.test', id: 8 }))]);
    for (const b of bytes) {
      c.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const replies = await c.waitFor(2);
    assert.deepEqual(replies.map((r) => readHeader(r).id), [7, 8]);
  } finally {
    c.close();
  }
});

test('a length prefix too short for a header closes the connection; others keep being served', async () => {
  for (const bad of [Buffer.from([0, 0]), Buffer.from([0, 5, 1, 2, 3, 4, 5])]) {
    const c = await TcpDnsClient.connect(dns.port);
    c.write(bad);
    await c.waitClosed();
  }
  const reply = await udpExchange(dns.port, buildQuery({ name: 'www.scaleout.test' }));
  assert.equal(readHeader(reply).an, 2);
});

test('an oversized length prefix holds at most one message of memory and is closed by the idle timeout', async () => {
  const c = await TcpDnsClient.connect(dns.port);
  c.write(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(100, 1)])); // announces 65535, sends 100
  const other = await TcpDnsClient.connect(dns.port);
  other.write(frame(buildQuery({ name: 'www.scaleout.test', id: 99 })));
  assert.equal(readHeader((await other.waitFor(1))[0]!).id, 99);
  other.close();
  await c.waitClosed(5000);
  assert.equal(c.messages.length, 0);
});

test('idle connections are closed after the idle timeout; garbage in a well-framed message gets FORMERR', async () => {
  const c = await TcpDnsClient.connect(dns.port);
  const junk = Buffer.alloc(30, 0);
  junk.writeUInt16BE(0x4242, 0);
  junk.writeUInt16BE(3, 4); // qdcount 3, but only zeros follow
  c.write(frame(junk));
  const [reply] = await c.waitFor(1);
  assert.equal(readHeader(reply!).rcode, 1);
  assert.equal(readHeader(reply!).id, 0x4242);
  await c.waitClosed(5000);
});

test('connections beyond the limit are closed at once', async () => {
  const held = await Promise.all(Array.from({ length: 4 }, () => TcpDnsClient.connect(dns.port)));
  try {
    // Make sure all four are accepted before the fifth arrives.
    for (const [i, h] of held.entries()) h.write(frame(buildQuery({ name: 'www.scaleout.test', id: i })));
    await Promise.all(held.map((h) => h.waitFor(1)));
    const extra = await TcpDnsClient.connect(dns.port);
    await extra.waitClosed();
    assert.equal(extra.messages.length, 0);
  } finally {
    for (const h of held) h.close();
  }
  const metrics = await dns.registry.metrics();
  assert.match(metrics, /scaleout_dns_dropped_packets_total\{reason="tcp_limit"\} [1-9]/);
});
