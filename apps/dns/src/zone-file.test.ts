import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZoneDataError, ZoneSyntaxError } from './errors.js';
import { recordDataText } from './record-data.js';
import { parseZoneFile } from './zone-file.js';

const ZONE = `
$ORIGIN scaleout.test.
$TTL 1h
@   IN  SOA ns1 hostmaster (
            2024010101 ; serial
            3600       ; refresh
            600        ; retry
            604800     ; expire
            60 )       ; minimum
    IN  NS  ns1
ns1     IN A 127.0.0.1
www 30  IN A 127.0.1.1   ; weight=2 check=http://{addr}:8404/readyz
        IN 30 A 127.0.1.2   ; an ordinary comment
v6      AAAA 2001:db8::1
api     CNAME www
txt     TXT "v=spf1 -all" "a \\"quoted\\" string" plain
_http._tcp SRV 0 5 8080 www.scaleout.test.
mail    MX 10 www
`;

test('parses the RFC 1035 subset: directives, parentheses, comments, blank owners, TTL/class order', () => {
  const zone = parseZoneFile(ZONE, { source: 'test.zone' });
  assert.equal(zone.origin.toString(), 'scaleout.test.');
  const rows = zone.records.map((r) => `${r.name.toDisplay()} ${r.ttl} ${r.data.type} ${recordDataText(r.data)}`);
  assert.deepEqual(rows, [
    'scaleout.test 3600 SOA ns1.scaleout.test. hostmaster.scaleout.test. 2024010101 3600 600 604800 60',
    'scaleout.test 3600 NS ns1.scaleout.test.',
    'ns1.scaleout.test 3600 A 127.0.0.1',
    'www.scaleout.test 30 A 127.0.1.1',
    'www.scaleout.test 30 A 127.0.1.2',
    'v6.scaleout.test 3600 AAAA 2001:db8::1',
    'api.scaleout.test 3600 CNAME www.scaleout.test.',
    'txt.scaleout.test 3600 TXT "v=spf1 -all" "a \\"quoted\\" string" "plain"',
    '_http._tcp.scaleout.test 3600 SRV 0 5 8080 www.scaleout.test.',
    'mail.scaleout.test 3600 MX 10 www.scaleout.test.',
  ]);
  const www = zone.records.filter((r) => r.name.toDisplay() === 'www.scaleout.test');
  assert.equal(www[0]!.weight, 2);
  assert.equal(www[0]!.check, 'http://{addr}:8404/readyz');
  assert.equal(www[1]!.weight, 1);
  assert.equal(www[1]!.check, undefined);
});

test('errors name the file and line', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseZoneFile(text, { source: 'z' }), re);
  bad('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\n@ NS a\nx HINFO "a" "b"\n', /z:4: .*HINFO.*not supported/);
  bad('$ORIGIN t.\n$INCLUDE other\n', /z:2: directive \$INCLUDE/);
  bad('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\nx A 1.2.3\n', /z:3: A needs an IPv4 address/);
  bad('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\nx CH A 1.2.3.4\n', /class CH is not served/);
  bad('$ORIGIN t.\n@ SOA ( a b 1 2 3 4 5\n', /"\(" without "\)"/);
  bad('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\nx TXT "open\n', /unterminated quoted string/);
  bad('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\nx A 1.2.3.4 ; weight=0\n', /weight must be an integer 1-255/);
  assert.throws(() => parseZoneFile('$ORIGIN t.\n@ NS a\n'), ZoneDataError);
  assert.throws(() => parseZoneFile('$ORIGIN t.\n@ SOA a b 1 2 3 4 5\nx.other. A 1.2.3.4\n'), /outside the zone/);
  assert.throws(() => parseZoneFile('www A 1.2.3.4\n'), ZoneSyntaxError);
});
