import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerEngine, TRANSPORT_TCP, TRANSPORT_UDP } from './answer-engine.js';
import { DomainName } from './domain-name.js';
import { envZoneSources } from './record-list.js';
import { ZoneSet } from './zone-set.js';
import { addresses, buildQuery, decode, encodeName, fullRcode, optOf, optRecord, questionBytes, readHeader, T, type QueryOptions } from '../test/support/dns-wire.js';

const bigRecords = Array.from({ length: 60 }, (_, i) => `big A 10.0.0.${i + 1}`);
const hugeRecords = Array.from({ length: 100 }, (_, i) => `huge A 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);
const RECORDS = [
  'www A 192.0.2.1',
  'www A 192.0.2.2',
  'www A 192.0.2.3',
  'v6 AAAA 2001:db8::1',
  'v6 AAAA 2001:db8::2',
  'api CNAME www',
  'dangling CNAME missing',
  'outside CNAME www.example.com.',
  'loop1 CNAME loop2',
  'loop2 CNAME loop1',
  'cross CNAME host.other.test.',
  'a.b.c A 192.0.2.9',
  'txt TXT "hello world" second',
  '_sip._tcp SRV 10 5 5060 www',
  'mail MX 10 www',
  'weighted A 10.2.0.1 weight=3',
  'weighted A 10.2.0.2 weight=1',
  ...bigRecords,
  ...hugeRecords,
  'host.other.test. A 198.51.100.7',
].join('; ');

function setup(options: { maxAnswers?: number; udpPayload?: number } = {}) {
  const zones = new ZoneSet(
    envZoneSources(['example.test', 'other.test'], RECORDS, { defaultTtl: 300, negativeTtl: 60, serial: 7 }),
    { maxAnswers: options.maxAnswers ?? 0 },
  );
  const engine = new AnswerEngine(zones, { udpPayload: options.udpPayload ?? 1232 });
  const ask = (q: QueryOptions | Buffer, transport = TRANSPORT_UDP): Buffer | undefined => {
    const msg = Buffer.isBuffer(q) ? q : buildQuery(q);
    const n = engine.answer(msg, transport);
    return n === 0 ? undefined : Buffer.from(engine.out.subarray(2, 2 + n));
  };
  return { zones, engine, ask };
}

test('A query: authoritative answer, question echoed byte for byte, owner names point at the question', () => {
  const { ask } = setup();
  const query = buildQuery({ name: 'WwW.ExAmPlE.TeSt', id: 0xbeef });
  const reply = ask(query)!;
  const h = readHeader(reply);
  assert.equal(h.id, 0xbeef);
  assert.ok(h.qr && h.aa && h.rd);
  assert.equal(h.ra, false);
  assert.equal(h.rcode, 0);
  assert.deepEqual([h.qd, h.an, h.ns, h.ar], [1, 3, 0, 1]);
  assert.deepEqual(questionBytes(reply), questionBytes(query));
  const p = decode(reply);
  assert.deepEqual(addresses(p).sort(), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  for (const a of p.answers!) {
    assert.equal(a.name, 'WwW.ExAmPlE.TeSt'); // compression pointer into the question: the query's case
    assert.equal(a.ttl, 300);
  }
  // The first answer owner is a pointer to offset 12 (0xC00C).
  const afterQuestion = 12 + questionBytes(reply).length;
  assert.deepEqual([reply[afterQuestion], reply[afterQuestion + 1]], [0xc0, 0x0c]);
});

test('rotation: a per-RRset counter moves the first address by one on every query, exactly fairly', () => {
  const { ask } = setup();
  const firsts: string[] = [];
  const counts = new Map<string, number>();
  for (let i = 0; i < 999; i++) {
    const order = addresses(decode(ask({ name: 'www.example.test', id: i })!));
    firsts.push(order[0]!);
    counts.set(order[0]!, (counts.get(order[0]!) ?? 0) + 1);
    // cyclic order: the rest follows the first in configuration order
    const all = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
    const k = all.indexOf(order[0]!);
    assert.deepEqual(order, [...all.slice(k), ...all.slice(0, k)]);
  }
  assert.deepEqual(firsts.slice(0, 4), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.1']);
  assert.deepEqual([...counts.values()], [333, 333, 333]);
  // Not keyed on the query id (BIND's trick): the same id still rotates.
  const a = addresses(decode(ask({ name: 'www.example.test', id: 7 })!))[0];
  const b = addresses(decode(ask({ name: 'www.example.test', id: 7 })!))[0];
  assert.notEqual(a, b);
});

test('weighted rotation: first position follows the weights (smooth weighted round robin)', () => {
  const { ask } = setup();
  const counts = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const first = addresses(decode(ask({ name: 'weighted.example.test' })!))[0]!;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  assert.equal(counts.get('10.2.0.1'), 300);
  assert.equal(counts.get('10.2.0.2'), 100);
});

test('answer cap: at most maxAnswers address records, still rotating', () => {
  const { ask } = setup({ maxAnswers: 2 });
  const a = decode(ask({ name: 'www.example.test' })!);
  const b = decode(ask({ name: 'www.example.test' })!);
  assert.deepEqual(addresses(a), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(addresses(b), ['192.0.2.2', '192.0.2.3']);
  assert.equal(readHeader(ask({ name: 'www.example.test' })!).an, 2);
});

test('AAAA rotation and TTL', () => {
  const { ask } = setup();
  const p1 = decode(ask({ name: 'v6.example.test', qtype: T.AAAA })!);
  const p2 = decode(ask({ name: 'v6.example.test', qtype: T.AAAA })!);
  assert.deepEqual(addresses(p1), ['2001:db8::1', '2001:db8::2']);
  assert.deepEqual(addresses(p2), ['2001:db8::2', '2001:db8::1']);
});

test('NXDOMAIN carries the zone SOA in authority with TTL min(SOA TTL, MINIMUM) (RFC 2308)', () => {
  const { ask } = setup();
  const reply = ask({ name: 'NoPe.Example.Test' })!;
  const h = readHeader(reply);
  assert.equal(h.rcode, 3);
  assert.ok(h.aa);
  assert.deepEqual([h.an, h.ns], [0, 1]);
  const soa = decode(reply).authorities![0]!;
  assert.equal(soa.type, 'SOA');
  assert.equal(soa.name, 'Example.Test'); // pointer into the question's apex suffix
  assert.equal(soa.ttl, 60);
  assert.equal((soa.data as { serial: number }).serial, 7);
  // deeper names and the second zone too
  assert.equal(readHeader(ask({ name: 'x.y.z.other.test' })!).rcode, 3);
  assert.equal(decode(ask({ name: 'x.y.z.other.test' })!).authorities![0]!.name, 'other.test');
});

test('NODATA: NOERROR, empty answer, SOA in authority; unknown types too; empty non-terminals', () => {
  const { ask } = setup();
  for (const q of [
    { name: 'www.example.test', qtype: T.AAAA },
    { name: 'www.example.test', qtype: 999 },
    { name: 'www.example.test', qtype: T.MX },
    { name: 'b.c.example.test', qtype: T.A },
    { name: 'c.example.test', qtype: T.A },
  ]) {
    const reply = ask(q)!;
    const h = readHeader(reply);
    assert.equal(h.rcode, 0, JSON.stringify(q));
    assert.ok(h.aa);
    assert.deepEqual([h.an, h.ns], [0, 1], JSON.stringify(q));
    assert.equal(decode(reply).authorities![0]!.type, 'SOA');
  }
});

test('REFUSED outside our zones, without AA', () => {
  const { ask } = setup();
  const reply = ask({ name: 'www.example.com' })!;
  const h = readHeader(reply);
  assert.equal(h.rcode, 5);
  assert.equal(h.aa, false);
  assert.deepEqual([h.qd, h.an, h.ns, h.ar], [1, 0, 0, 1]);
  assert.equal(readHeader(ask({ name: 'test' })!).rcode, 5); // the parent of our zones
  assert.equal(readHeader(ask({ name: '.' })!).rcode, 5);
});

test('SOA and NS at the apex are answered; SOA below the apex is NODATA', () => {
  const { ask } = setup();
  const soa = decode(ask({ name: 'example.test', qtype: T.SOA })!);
  assert.equal(soa.answers![0]!.type, 'SOA');
  assert.equal((soa.answers![0]!.data as { mname: string }).mname, 'ns1.example.test');
  const ns = decode(ask({ name: 'example.test', qtype: T.NS })!);
  assert.deepEqual(ns.answers!.map((a) => a.data), ['ns1.example.test']);
  const below = ask({ name: 'www.example.test', qtype: T.SOA })!;
  assert.deepEqual([readHeader(below).an, readHeader(below).ns], [0, 1]);
});

test('CNAME: chased inside our zones (with rotation), NXDOMAIN when the target is missing, left to the resolver outside', () => {
  const { ask } = setup();
  const a = decode(ask({ name: 'api.example.test' })!);
  assert.equal(a.answers![0]!.type, 'CNAME');
  assert.equal(a.answers![0]!.data, 'www.example.test');
  assert.deepEqual(addresses(a).length, 3);
  assert.equal(a.answers![1]!.name, 'www.example.test');
  const second = decode(ask({ name: 'api.example.test' })!);
  assert.notEqual(addresses(second)[0], addresses(a)[0]);

  const cnameOnly = decode(ask({ name: 'api.example.test', qtype: T.CNAME })!);
  assert.deepEqual(cnameOnly.answers!.map((r) => r.type), ['CNAME']);

  const dangling = ask({ name: 'dangling.example.test' })!;
  assert.equal(readHeader(dangling).rcode, 3);
  assert.deepEqual([readHeader(dangling).an, readHeader(dangling).ns], [1, 1]);

  const outside = ask({ name: 'outside.example.test' })!;
  assert.equal(readHeader(outside).rcode, 0);
  assert.deepEqual(decode(outside).answers!.map((r) => r.data), ['www.example.com']);

  const loop = ask({ name: 'loop1.example.test' })!;
  assert.equal(readHeader(loop).rcode, 0);
  assert.deepEqual(decode(loop).answers!.map((r) => r.name), ['loop1.example.test', 'loop2.example.test']);

  const cross = decode(ask({ name: 'cross.example.test' })!);
  assert.deepEqual(addresses(cross), ['198.51.100.7']);

  // CNAME then NODATA: the chain and the target zone's SOA.
  const noData = ask({ name: 'api.example.test', qtype: T.TXT })!;
  assert.deepEqual([readHeader(noData).rcode, readHeader(noData).an, readHeader(noData).ns], [0, 1, 1]);
});

test('TXT, SRV and MX are encoded so an independent decoder reads them back', () => {
  const { ask } = setup();
  const txt = decode(ask({ name: 'txt.example.test', qtype: T.TXT })!);
  assert.deepEqual((txt.answers![0]!.data as Buffer[]).map(String), ['hello world', 'second']);
  const srv = decode(ask({ name: '_sip._tcp.example.test', qtype: T.SRV })!);
  assert.deepEqual(srv.answers![0]!.data, { priority: 10, weight: 5, port: 5060, target: 'www.example.test' });
  const mx = decode(ask({ name: 'mail.example.test', qtype: T.MX })!);
  assert.deepEqual(mx.answers![0]!.data, { preference: 10, exchange: 'www.example.test' });
});

test('ANY gets one RRset (RFC 8482), not everything at the name', () => {
  const { ask } = setup();
  const apex = decode(ask({ name: 'example.test', qtype: T.ANY })!);
  assert.equal(new Set(apex.answers!.map((a) => a.type)).size, 1);
  const www = decode(ask({ name: 'www.example.test', qtype: T.ANY })!);
  assert.deepEqual(new Set(www.answers!.map((a) => a.type)), new Set(['A']));
  const ent = ask({ name: 'c.example.test', qtype: T.ANY })!;
  assert.deepEqual([readHeader(ent).an, readHeader(ent).ns], [0, 1]);
});

test('EDNS(0): OPT only when asked; our payload size advertised; DO copied; BADVERS for version 1', () => {
  const { ask } = setup();
  const without = ask({ name: 'www.example.test', edns: false })!;
  assert.equal(readHeader(without).ar, 0);
  const withOpt = decode(ask({ name: 'www.example.test', edns: { payload: 4096, do: true } })!);
  const opt = optOf(withOpt)!;
  assert.equal(opt.udpPayloadSize, 1232);
  assert.equal(opt.flag_do, true);
  assert.equal(opt.ednsVersion, 0);
  assert.equal(optOf(decode(ask({ name: 'www.example.test', edns: {} })!))!.flag_do, false);

  const bad = ask({ name: 'www.example.test', edns: { version: 1 } })!;
  assert.equal(fullRcode(bad), 16);
  assert.equal(readHeader(bad).an, 0);
  assert.equal(optOf(decode(bad))!.ednsVersion, 0);

  // Unknown options are ignored (cookie, NSID, a made-up code).
  const options = Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 3, 0, 0, 0xfe, 0xed, 0, 1, 9]);
  const ok = ask({ name: 'www.example.test', edns: { options } })!;
  assert.equal(fullRcode(ok), 0);
  assert.equal(readHeader(ok).an, 3);
});

test('truncation: TC with no records when the answer exceeds 512 (no EDNS) or the EDNS size; TCP gets it all', () => {
  const { ask } = setup();
  // 60 A records ≈ 1000 bytes: too big for plain UDP, fits 1232 with EDNS.
  const plain = ask({ name: 'big.example.test', edns: false })!;
  assert.ok(readHeader(plain).tc);
  assert.equal(readHeader(plain).an, 0);
  assert.ok(plain.length <= 512);
  const edns = ask({ name: 'big.example.test', edns: { payload: 1232 } })!;
  assert.equal(readHeader(edns).tc, false);
  assert.equal(readHeader(edns).an, 60);
  // A requested size below 512 counts as 512.
  const tiny = ask({ name: 'big.example.test', edns: { payload: 100 } })!;
  assert.ok(readHeader(tiny).tc);
  assert.equal(readHeader(tiny).ar, 1); // the OPT stays
  // 100 records ≈ 1650 bytes: over our 1232 limit even when the client offers 4096.
  const huge = ask({ name: 'huge.example.test', edns: { payload: 4096 } })!;
  assert.ok(readHeader(huge).tc);
  assert.ok(huge.length <= 1232);
  const tcp = ask({ name: 'huge.example.test', edns: false }, TRANSPORT_TCP)!;
  assert.equal(readHeader(tcp).tc, false);
  assert.equal(addresses(decode(tcp)).length, 100);
});

test('a larger configured UDP payload lets bigger answers through', () => {
  const { ask } = setup({ udpPayload: 4096 });
  const huge = ask({ name: 'huge.example.test', edns: { payload: 4096 } })!;
  assert.equal(readHeader(huge).tc, false);
  assert.equal(optOf(decode(huge))!.udpPayloadSize, 4096);
});

test('flags: RD and CD copied, AD and Z not copied, RA never set', () => {
  const { ask } = setup();
  const h = readHeader(ask({ name: 'www.example.test', rd: true, cd: true, ad: true, z: true })!);
  assert.ok(h.rd && h.cd);
  assert.equal(h.ad, false);
  assert.equal(h.z, false);
  assert.equal(h.ra, false);
  const h2 = readHeader(ask({ name: 'www.example.test', rd: false })!);
  assert.equal(h2.rd, false);
});

test('class CH and zone transfers are refused; meta types are NOTIMP; OPT as a qtype is FORMERR', () => {
  const { ask } = setup();
  assert.equal(readHeader(ask({ name: 'version.bind', qclass: 3, qtype: T.TXT })!).rcode, 5);
  assert.equal(readHeader(ask({ name: 'example.test', qtype: T.AXFR })!).rcode, 5);
  assert.equal(readHeader(ask({ name: 'www.example.test', qtype: T.MAILA })!).rcode, 4);
  assert.equal(readHeader(ask({ name: 'www.example.test', qtype: T.OPT })!).rcode, 1);
  // class ANY reads IN data
  assert.equal(readHeader(ask({ name: 'www.example.test', qclass: 255 })!).an, 3);
});

test('unknown opcodes get NOTIMP with the opcode echoed and nothing else', () => {
  const { ask } = setup();
  for (const opcode of [1, 2, 4, 5, 15]) {
    const reply = ask({ name: 'www.example.test', opcode })!;
    const h = readHeader(reply);
    assert.equal(h.rcode, 4);
    assert.equal(h.opcode, opcode);
    assert.equal(reply.length, 12);
  }
});

test('FORMERR for undecodable queries; responses and short packets get no reply at all', () => {
  const { ask } = setup();
  const good = buildQuery({ name: 'www.example.test', edns: false });
  const withCounts = (qd: number, an: number, ns: number, ar: number) => {
    const b = Buffer.from(good);
    b.writeUInt16BE(qd, 4);
    b.writeUInt16BE(an, 6);
    b.writeUInt16BE(ns, 8);
    b.writeUInt16BE(ar, 10);
    return b;
  };
  const formerr = (msg: Buffer, label: string) => {
    const reply = ask(msg);
    assert.ok(reply, `${label}: no reply`);
    assert.equal(readHeader(reply).rcode, 1, label);
    assert.ok(reply.length <= msg.length, `${label}: reply larger than the query`);
    return reply;
  };
  formerr(withCounts(0, 0, 0, 0), 'qdcount 0');
  formerr(withCounts(2, 0, 0, 0), 'qdcount 2');
  formerr(withCounts(1, 1, 0, 0), 'answer in a query');
  formerr(withCounts(1, 0, 1, 0), 'authority in a query');
  formerr(withCounts(1, 0, 0, 1), 'additional count past the end');
  formerr(good.subarray(0, 20), 'truncated name');
  formerr(good.subarray(0, good.length - 2), 'truncated qclass');
  formerr(Buffer.concat([good, Buffer.from([0])]), 'trailing garbage');
  // A compression pointer in the question (pointing at itself: a loop) and an extended label type.
  const ptr = Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  formerr(ptr, 'pointer in question');
  formerr(Buffer.concat([good.subarray(0, 12), Buffer.from([0x41, 0, 0, 1, 0, 1])]), 'extended label');
  // A name longer than 255 bytes.
  const long = Buffer.concat([good.subarray(0, 12), ...Array.from({ length: 5 }, () => Buffer.from([63, ...Buffer.alloc(63, 97)])), Buffer.from([0, 0, 1, 0, 1])]);
  formerr(long, 'name over 255 bytes');
  // Two OPT records, an OPT with a non-root owner, options overrunning the RDATA: FORMERR *with* an OPT.
  const q = buildQuery({ name: 'www.example.test', edns: false });
  const twoOpts = Buffer.concat([q, optRecord(), optRecord()]);
  twoOpts.writeUInt16BE(2, 10);
  assert.equal(readHeader(formerr(twoOpts, 'two OPT')).ar, 1);
  const namedOpt = Buffer.concat([q, encodeName('x'), optRecord().subarray(1)]);
  namedOpt.writeUInt16BE(1, 10);
  assert.equal(readHeader(formerr(namedOpt, 'OPT owner not root')).ar, 1);
  const badOptions = Buffer.concat([q, optRecord({ options: Buffer.from([0, 10, 0, 9, 1, 2]) })]);
  badOptions.writeUInt16BE(1, 10);
  const r = formerr(badOptions, 'option overruns RDATA');
  assert.equal(readHeader(r).ar, 1);
  assert.equal(readHeader(r).qd, 1);

  assert.equal(ask(Buffer.alloc(11)), undefined);
  const response = Buffer.from(good);
  response[2]! |= 0x80;
  assert.equal(ask(response), undefined);
});

test('additional records other than OPT are skipped, compression pointers in them are not followed', () => {
  const { ask } = setup();
  const q = buildQuery({ name: 'www.example.test', edns: false });
  // A TXT record owned by a pointer to the question name, then an OPT.
  const rr = Buffer.from([0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 0x41]);
  const msg = Buffer.concat([q, rr, optRecord()]);
  msg.writeUInt16BE(2, 10);
  const reply = ask(msg)!;
  assert.equal(readHeader(reply).rcode, 0);
  assert.equal(readHeader(reply).an, 3);
  assert.equal(readHeader(reply).ar, 1);
});

test('health and drain change the answers; all out of rotation fails open', () => {
  const { zones, ask } = setup();
  const firstSet = () => new Set(addresses(decode(ask({ name: 'www.example.test' })!)));
  zones.setHealth('192.0.2.1', 'down');
  assert.deepEqual(firstSet(), new Set(['192.0.2.2', '192.0.2.3']));
  zones.setDrained('192.0.2.2', true);
  assert.deepEqual(firstSet(), new Set(['192.0.2.3']));
  zones.setHealth('192.0.2.3', 'down');
  // Nothing eligible: every address that is not drained, healthy or not.
  assert.deepEqual(firstSet(), new Set(['192.0.2.1', '192.0.2.3']));
  const rs = zones.node(DomainName.parse('www.example.test.'))!.rrsets.get(T.A)!;
  assert.equal(rs.failOpen, true);
  zones.setHealth('192.0.2.1', 'up');
  assert.deepEqual(firstSet(), new Set(['192.0.2.1']));
  assert.equal(rs.failOpen, false);
  zones.setDrained('192.0.2.2', false);
  assert.deepEqual(firstSet(), new Set(['192.0.2.1', '192.0.2.2']));
});

test('runtime changes rebuild the answers and bump the serial', () => {
  const { zones, ask } = setup();
  const serial = () => (decode(ask({ name: 'example.test', qtype: T.SOA })!).answers![0]!.data as { serial: number }).serial;
  assert.equal(serial(), 7);
  zones.addAddressRecord({ name: DomainName.parse('new.example.test.'), ttl: 5, weight: 1, data: { type: 'A', ip: { text: '192.0.2.50', family: 4, bytes: Buffer.from([192, 0, 2, 50]) } } });
  assert.deepEqual(addresses(decode(ask({ name: 'new.example.test' })!)), ['192.0.2.50']);
  assert.equal(serial(), 8);
  zones.removeAddressRecord(DomainName.parse('new.example.test.'), '192.0.2.50');
  assert.equal(readHeader(ask({ name: 'new.example.test' })!).rcode, 3);
  assert.equal(serial(), 9);
  zones.setDrained('192.0.2.1', true);
  assert.equal(serial(), 10);
  // The NXDOMAIN authority carries the new serial too.
  assert.equal((decode(ask({ name: 'gone.example.test' })!).authorities![0]!.data as { serial: number }).serial, 10);
});

test('many distinct qtypes at one name keep the plan cache bounded', () => {
  const { zones, ask } = setup();
  for (let t = 1000; t < 3000; t++) assert.equal(readHeader(ask({ name: 'api.example.test', qtype: t })!).rcode, 0);
  for (let t = 1000; t < 3000; t++) ask({ name: 'www.example.test', qtype: t });
  assert.ok(zones.node(DomainName.parse('api.example.test.'))!.plans.size <= 32);
  assert.ok(zones.node(DomainName.parse('www.example.test.'))!.plans.size <= 32);
});

test('query counters by type, transport and rcode; first-position counts per record', () => {
  const { engine, zones, ask } = setup();
  for (let i = 0; i < 6; i++) ask({ name: 'www.example.test' });
  ask({ name: 'nope.example.test' }, TRANSPORT_TCP);
  const s = engine.stats;
  assert.equal(s.queries[(0 * 2 + 0) * 7 + 0], 6); // A, udp, NOERROR
  assert.equal(s.queries[(0 * 2 + 1) * 7 + 3], 1); // A, tcp, NXDOMAIN
  const ids = zones.node(DomainName.parse('www.example.test.'))!.rrsets.get(T.A)!.records.map((r) => r.id);
  assert.deepEqual(ids.map((id) => s.addressFirst[id]), [2, 2, 2]);
});
