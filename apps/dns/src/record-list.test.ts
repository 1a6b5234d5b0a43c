import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainName } from './domain-name.js';
import { ZoneDataError, ZoneSyntaxError } from './errors.js';
import { recordDataText } from './record-data.js';
import { envZoneSources, parseRecordList, resolveRecordName } from './record-list.js';

const zones = [DomainName.parse('scaleout.test.'), DomainName.parse('other.test.')];

test('names: relative to the first zone, as written when inside a zone, absolute with a dot', () => {
  assert.equal(resolveRecordName('www', zones, zones[0]!).toString(), 'www.scaleout.test.');
  assert.equal(resolveRecordName('www.other.test', zones, zones[0]!).toString(), 'www.other.test.');
  assert.equal(resolveRecordName('@', zones, zones[0]!).toString(), 'scaleout.test.');
  assert.equal(resolveRecordName('a.b', zones, zones[0]!).toString(), 'a.b.scaleout.test.');
});

test('DNS_RECORDS: entries split on ; and new lines, TTLs, options, names inside RDATA', () => {
  const recs = parseRecordList(
    'www A 127.0.1.1 weight=3 check=http://{addr}:8404/readyz; www 5 A 127.0.1.2\napi CNAME www;txt TXT "a;b" c; x.other.test MX 10 mail',
    zones,
    30,
  );
  const rows = recs.map((r) => `${r.name.toDisplay()} ${r.ttl} ${r.data.type} ${recordDataText(r.data)} w=${r.weight} ${r.check ?? '-'}`);
  assert.deepEqual(rows, [
    'www.scaleout.test 30 A 127.0.1.1 w=3 http://{addr}:8404/readyz',
    'www.scaleout.test 5 A 127.0.1.2 w=1 -',
    'api.scaleout.test 30 CNAME www.scaleout.test. w=1 -',
    'txt.scaleout.test 30 TXT "a;b" "c" w=1 -',
    'x.other.test 30 MX 10 mail.other.test. w=1 -',
  ]);
});

test('DNS_RECORDS errors say which entry', () => {
  assert.throws(() => parseRecordList('www A 1.2.3.4; www A nope', zones, 30), /entry 2.*A needs an IPv4 address/);
  assert.throws(() => parseRecordList('www TXT "x" weight=2', zones, 30), /weight= and check= apply to A and AAAA/);
  assert.throws(() => parseRecordList('www', zones, 30), ZoneSyntaxError);
  assert.throws(() => parseRecordList('www A 1.2.3.4', [], 30), ZoneDataError);
});

test('env zones get a default SOA, NS and ns1 address unless the records give them', () => {
  const [z] = envZoneSources(['scaleout.test'], 'www A 127.0.1.1', { defaultTtl: 30, negativeTtl: 15, serial: 42, nameServerAddress: '127.0.0.1' });
  const rows = z!.records.map((r) => `${r.name.toDisplay()} ${r.data.type} ${recordDataText(r.data)}`);
  assert.deepEqual(rows, [
    'scaleout.test SOA ns1.scaleout.test. hostmaster.scaleout.test. 42 3600 600 604800 15',
    'www.scaleout.test A 127.0.1.1',
    'scaleout.test NS ns1.scaleout.test.',
    'ns1.scaleout.test A 127.0.0.1',
  ]);
  const [own] = envZoneSources(['t'], '@ SOA a b 9 1 1 1 1; @ NS a; a A 10.0.0.1', { defaultTtl: 30, negativeTtl: 15, serial: 42, nameServerAddress: '0.0.0.0' });
  assert.deepEqual(own!.records.map((r) => r.data.type), ['SOA', 'NS', 'A']);
  assert.throws(() => envZoneSources(['t', 't.'], undefined, { defaultTtl: 1, negativeTtl: 1, serial: 1 }), /twice/);
});
