// Micro-benchmark of the query path: AnswerEngine.answer() on prebuilt queries (no sockets), against
// a decode → build → encode round trip with dns-packet (what a naive server does per query).
// Run: cd apps/dns && npm run bench   (or: node --import tsx bench/answer.bench.ts [seconds-per-case])
import dnsPacket from 'dns-packet';
import { AnswerEngine, envZoneSources, TRANSPORT_UDP, ZoneSet } from '../src/index.js';

const seconds = Number(process.argv[2] ?? 1);

function query(name: string, type: dnsPacket.RecordType, edns = true): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0 } as dnsPacket.Answer] : [],
  });
}

const zones = new ZoneSet(
  envZoneSources(
    ['scaleout.test'],
    [
      'www A 127.0.1.1',
      'www A 127.0.1.2',
      'w8 A 10.0.0.1; w8 A 10.0.0.2; w8 A 10.0.0.3; w8 A 10.0.0.4; w8 A 10.0.0.5; w8 A 10.0.0.6; w8 A 10.0.0.7; w8 A 10.0.0.8',
      'weighted A 10.1.0.1 weight=3; weighted A 10.1.0.2 weight=1',
      'api CNAME www',
      'txt TXT "v=spf1 -all"',
    ].join(';'),
    { defaultTtl: 30, negativeTtl: 30, serial: 1 },
  ),
);
const engine = new AnswerEngine(zones);

const cases: Array<[string, Buffer]> = [
  ['A www (2 rotating)', query('www.scaleout.test', 'A')],
  ['A WwW mixed case', query('WwW.ScAlEoUt.TeSt', 'A')],
  ['A w8 (8 rotating)', query('w8.scaleout.test', 'A')],
  ['A weighted 3:1', query('weighted.scaleout.test', 'A')],
  ['A via CNAME', query('api.scaleout.test', 'A')],
  ['TXT static', query('txt.scaleout.test', 'TXT')],
  ['NODATA (AAAA www)', query('www.scaleout.test', 'AAAA')],
  ['NXDOMAIN', query('nope.scaleout.test', 'A')],
  ['REFUSED', query('example.com', 'A')],
  ['A www, no EDNS', query('www.scaleout.test', 'A', false)],
];

function timeIt(fn: () => void): number {
  // warm up, then run for `seconds`
  for (let i = 0; i < 50_000; i++) fn();
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  while (performance.now() < deadline) {
    for (let i = 0; i < 10_000; i++) fn();
    n += 10_000;
  }
  return Number(process.hrtime.bigint() - start) / n;
}

const rows: Array<{ case: string; 'engine ns/query': number; 'dns-packet ns/query': number; speedup: string }> = [];
for (const [label, msg] of cases) {
  const ours = timeIt(() => {
    if (engine.answer(msg, TRANSPORT_UDP) === 0) throw new Error('no answer');
  });
  // The naive path: decode the query, build the response object, encode it.
  const answers: dnsPacket.Answer[] = [
    { type: 'A', name: 'www.scaleout.test', ttl: 30, data: '127.0.1.1' },
    { type: 'A', name: 'www.scaleout.test', ttl: 30, data: '127.0.1.2' },
  ];
  let k = 0;
  const naive = timeIt(() => {
    const q = dnsPacket.decode(msg);
    k ^= 1;
    dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: q.questions,
      answers: k ? answers : [answers[1]!, answers[0]!],
      additionals: q.additionals,
    });
  });
  rows.push({ case: label, 'engine ns/query': Math.round(ours), 'dns-packet ns/query': Math.round(naive), speedup: `${(naive / ours).toFixed(1)}×` });
}
console.table(rows);
