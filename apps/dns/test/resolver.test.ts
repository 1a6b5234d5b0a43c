// A real stub resolver (Node's dns.Resolver, c-ares) pointed at the in-process server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import type { DnsService } from '../src/index.js';
import { startTestDns } from './support/start-dns.js';

let dns: DnsService;
let resolver: Resolver;

before(async () => {
  dns = await startTestDns({
    DNS_ZONE: 'scaleout.test',
    DNS_RECORDS: [
      'www A 127.0.1.1',
      'www A 127.0.1.2',
      'v6 AAAA ::1',
      'api CNAME www',
      'txt TXT "hello" "world"',
      '_http._tcp SRV 0 5 8080 www',
      'mail MX 10 www',
      ...Array.from({ length: 90 }, (_, i) => `big A 10.9.0.${i + 1}`),
    ].join('; '),
  });
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
});

after(() => dns?.close());

test('resolve4 returns both LB addresses, rotating between calls, with the TTL', async () => {
  const a = await resolver.resolve4('www.scaleout.test', { ttl: true });
  assert.deepEqual(a.map((r) => r.address).sort(), ['127.0.1.1', '127.0.1.2']);
  assert.ok(a.every((r) => r.ttl === 30));
  const firsts = new Set<string>();
  for (let i = 0; i < 4; i++) firsts.add((await resolver.resolve4('www.scaleout.test'))[0]!);
  assert.equal(firsts.size, 2);
});

test('negative answers: ENOTFOUND for NXDOMAIN, ENODATA for NODATA, REFUSED outside the zone', async () => {
  await assert.rejects(resolver.resolve4('nope.scaleout.test'), { code: 'ENOTFOUND' });
  await assert.rejects(resolver.resolve6('www.scaleout.test'), { code: 'ENODATA' });
  await assert.rejects(resolver.resolve4('www.example.com'), { code: 'EREFUSED' });
});

test('SOA, NS, AAAA, CNAME, TXT, SRV and MX', async () => {
  const soa = await resolver.resolveSoa('scaleout.test');
  assert.equal(soa.nsname, 'ns1.scaleout.test');
  assert.equal(soa.hostmaster, 'hostmaster.scaleout.test');
  assert.deepEqual(await resolver.resolveNs('scaleout.test'), ['ns1.scaleout.test']);
  assert.deepEqual(await resolver.resolve4('ns1.scaleout.test'), ['127.0.0.1']);
  assert.deepEqual(await resolver.resolve6('v6.scaleout.test'), ['::1']);
  assert.deepEqual(await resolver.resolveCname('api.scaleout.test'), ['www.scaleout.test']);
  assert.deepEqual((await resolver.resolve4('api.scaleout.test')).sort(), ['127.0.1.1', '127.0.1.2']);
  assert.deepEqual(await resolver.resolveTxt('txt.scaleout.test'), [['hello', 'world']]);
  assert.deepEqual(await resolver.resolveSrv('_http._tcp.scaleout.test'), [{ name: 'www.scaleout.test', port: 8080, priority: 0, weight: 5 }]);
  assert.deepEqual(await resolver.resolveMx('mail.scaleout.test'), [{ exchange: 'www.scaleout.test', priority: 10 }]);
});

test('a truncated UDP answer makes the stub retry over TCP and get every record', async () => {
  const big = await resolver.resolve4('big.scaleout.test');
  assert.equal(big.length, 90);
  const metrics = await dns.registry.metrics();
  assert.match(metrics, /scaleout_dns_truncated_responses_total\{transport="udp"\} [1-9]/);
  assert.match(metrics, /scaleout_dns_queries_total\{type="A",transport="tcp",rcode="NOERROR"\} [1-9]/);
});
