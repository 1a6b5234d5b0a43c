// Bad input against the real server process: 100,000 malformed or mutated datagrams and 25,000 over
// TCP, then correct answers, at most one bounded reply per datagram, and bounded memory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { seededRandom } from '@scaleout/hashing';
import { TcpDnsClient, frame, udpExchange } from './support/dns-client.js';
import { addresses, buildQuery, decode, encodeName, optRecord, readHeader, T } from './support/dns-wire.js';
import { startDnsProcess, type DnsProcess } from './support/start-dns.js';

const UDP_PACKETS = 100_000;
const TCP_PACKETS = 25_000;
const UDP_LIMIT = 1232;

let dns: DnsProcess;

const NAMES = ['www.scaleout.test', 'WwW.ScAlEoUt.TeSt', 'big.scaleout.test', 'nope.scaleout.test', 'api.scaleout.test', 'example.com', 'scaleout.test'];

/** One hostile packet: random bytes, a mutated or truncated query, pointer loops, odd counts, odd EDNS. */
function hostile(rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const base = () =>
    buildQuery({
      name: NAMES[int(NAMES.length)]!,
      qtype: rand() < 0.7 ? [T.A, T.AAAA, T.SOA, T.ANY, T.TXT, T.NS][int(6)]! : int(65536),
      qclass: rand() < 0.9 ? 1 : int(65536),
      edns: rand() < 0.5 ? false : { payload: int(65536), version: rand() < 0.9 ? 0 : int(256), do: rand() < 0.5 },
      opcode: rand() < 0.9 ? 0 : int(16),
    });
  switch (int(9)) {
    case 0: {
      const b = Buffer.alloc(int(600));
      for (let i = 0; i < b.length; i++) b[i] = int(256);
      return b;
    }
    case 1: {
      const b = base();
      for (let k = 1 + int(4); k > 0; k--) b[int(b.length)] = int(256);
      return b;
    }
    case 2: {
      const b = base();
      return b.subarray(0, int(b.length));
    }
    case 3: {
      const b = base();
      b.writeUInt16BE(int(65536), 4 + 2 * int(4));
      return b;
    }
    case 4: {
      // compression pointers: self-loop in the question, loops in the additional section
      const header = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
      const q = rand() < 0.5 ? Buffer.from([0xc0, 12, 0, 1, 0, 1]) : Buffer.concat([encodeName('www.scaleout.test'), Buffer.from([0, 1, 0, 1])]);
      const loop = Buffer.from([0xc0, 12 + q.length, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
      return Buffer.concat([header, q, loop]);
    }
    case 5: {
      // labels that overrun the packet, or more than 255 bytes of name
      const header = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
      const labels = Array.from({ length: 1 + int(8) }, () => Buffer.concat([Buffer.from([int(64)]), Buffer.alloc(int(70), 0x61)]));
      return Buffer.concat([header, ...labels]);
    }
    case 6: {
      // EDNS with random (possibly inconsistent) options
      const q = buildQuery({ name: NAMES[int(NAMES.length)]!, edns: false });
      const opts = Buffer.alloc(int(40));
      for (let i = 0; i < opts.length; i++) opts[i] = int(256);
      const msg = Buffer.concat([q, optRecord({ payload: int(65536), options: opts }), rand() < 0.2 ? optRecord() : Buffer.alloc(0)]);
      msg.writeUInt16BE(1 + int(3), 10);
      return msg;
    }
    case 7: {
      // a response: must never be answered
      const b = base();
      b[2]! |= 0x80;
      return b;
    }
    default:
      return base();
  }
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  assert.ok(m, `metric ${name} missing`);
  return Number(m[1]);
}

async function memory(): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`http://127.0.0.1:${dns.adminPort}/metrics`)).text();
  return { rss: metric(text, 'process_resident_memory_bytes'), heap: metric(text, 'nodejs_heap_size_used_bytes') };
}

async function checkCorrect(): Promise<void> {
  const reply = await udpExchange(dns.port, buildQuery({ name: 'www.scaleout.test' }));
  assert.deepEqual(addresses(decode(reply)).sort(), ['127.0.1.1', '127.0.1.2']);
  assert.ok(readHeader(reply).aa);
  const c = await TcpDnsClient.connect(dns.port);
  c.write(frame(buildQuery({ name: 'nope.scaleout.test', id: 5 })));
  const [tcpReply] = await c.waitFor(1);
  c.close();
  assert.equal(readHeader(tcpReply!).rcode, 3);
}

before(async () => {
  dns = await startDnsProcess({
    DNS_ZONE: 'scaleout.test',
    DNS_RECORDS: ['www A 127.0.1.1', 'www A 127.0.1.2', 'api CNAME www', ...Array.from({ length: 120 }, (_, i) => `big A 10.7.0.${i + 1}`)].join('; '),
    DNS_TCP_IDLE_TIMEOUT: '1s',
  });
});

after(async () => {
  await dns?.stop();
});

test(`${UDP_PACKETS} hostile datagrams: one bounded reply at most each, never more than asked for`, async () => {
  await checkCorrect();
  const rand = seededRandom(0x5ca1e);
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const sentLength = new Int32Array(65536).fill(-1);
  let replies = 0;
  const problems: string[] = [];
  sock.on('message', (m) => {
    replies++;
    if (m.length < 12) {
      problems.push(`reply of ${m.length} bytes`);
      return;
    }
    const h = readHeader(m);
    const asked = sentLength[h.id]!;
    if (m.length > UDP_LIMIT) problems.push(`reply of ${m.length} bytes > ${UDP_LIMIT}`);
    if (h.ar === 0 && m.length > 512) problems.push(`reply of ${m.length} bytes without EDNS`);
    // FORMERR and NOTIMP replies only repeat parts of the query: never bigger than it.
    if ((h.rcode === 1 || h.rcode === 4) && asked >= 0 && m.length > asked) {
      problems.push(`error reply of ${m.length} bytes to a ${asked}-byte query`);
    }
    if (!h.qr) problems.push('reply without QR');
  });
  let first: { rss: number; heap: number } | undefined;
  for (let sent = 0; sent < UDP_PACKETS; ) {
    for (let k = 0; k < 100 && sent < UDP_PACKETS; k++, sent++) {
      const p = hostile(rand);
      if (p.length >= 2) {
        p.writeUInt16BE(sent & 0xffff, 0);
        sentLength[sent & 0xffff] = p.length;
      }
      sock.send(p, dns.port, '127.0.0.1');
    }
    // Let the server keep up (the point is to exercise it, not to overflow socket buffers): wait
    // until the replies stop coming for a moment.
    for (let idle = 0, seen = -1; idle < 2; ) {
      await new Promise((r) => setTimeout(r, 2));
      if (replies === seen) idle++;
      else idle = 0;
      seen = replies;
    }
    if (sent === UDP_PACKETS / 2) first = await memory();
  }
  await new Promise((r) => setTimeout(r, 300));
  sock.close();
  assert.deepEqual(problems.slice(0, 10), []);
  assert.ok(replies <= UDP_PACKETS, 'never more than one reply per datagram');
  // About 20% of the packets are responses or shorter than a header: no reply. The rest are answered.
  assert.ok(replies > UDP_PACKETS * 0.7, `only ${replies} replies`);
  assert.equal(dns.child.exitCode, null);
  await checkCorrect();
  const last = await memory();
  assert.ok(last.heap < 96 * 2 ** 20, `heap ${last.heap}`);
  assert.ok(last.rss - first!.rss < 48 * 2 ** 20, `rss grew from ${first!.rss} to ${last.rss}`);
});

test(`${TCP_PACKETS} hostile messages and byte streams over TCP; the server keeps serving`, async () => {
  const rand = seededRandom(0xd15ea5e);
  const int = (n: number) => Math.floor(rand() * n);
  let sent = 0;
  let round = 0;
  const before = await memory();
  while (sent < TCP_PACKETS) {
    const conns = await Promise.all(
      Array.from({ length: 20 }, () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port: dns.port, host: '127.0.0.1' }, () => resolve(s));
          s.on('error', () => {});
          s.once('error', reject);
        }),
      ),
    );
    for (const s of conns) {
      s.on('data', () => {});
      const kind = int(4);
      const parts: Buffer[] = [];
      for (let k = 0; k < 60; k++, sent++) {
        const p = hostile(rand);
        if (kind === 0) {
          // raw bytes with no framing at all
          parts.push(p);
        } else if (kind === 1 && k === 59) {
          // a frame announcing more than is sent
          parts.push(Buffer.from([int(256), int(256)]), p);
        } else {
          parts.push(frame(p.length > 0 ? p : Buffer.alloc(12)));
        }
      }
      s.write(Buffer.concat(parts));
      if (round % 2 === 0) s.end();
    }
    await new Promise((r) => setTimeout(r, 20));
    for (const s of conns) s.destroy();
    round++;
  }
  assert.equal(dns.child.exitCode, null);
  await checkCorrect();
  const after = await memory();
  assert.ok(after.rss - before.rss < 48 * 2 ** 20, `rss grew from ${before.rss} to ${after.rss}`);
  const text = await (await fetch(`http://127.0.0.1:${dns.adminPort}/metrics`)).text();
  assert.equal(metric(text, 'scaleout_dns_dropped_packets_total{reason="internal_error"}'), 0);
  assert.ok(metric(text, 'scaleout_dns_dropped_packets_total{reason="response"}') > 1000);
  assert.ok(metric(text, 'scaleout_dns_queries_total{type="other",transport="udp",rcode="FORMERR"}') > 1000);
});
