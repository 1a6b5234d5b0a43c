// The admin API (bearer token) and the admin endpoints, against the in-process server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import type { DnsService } from '../src/index.js';
import { startTestDns, TOKEN } from './support/start-dns.js';

let dns: DnsService;
let resolver: Resolver;
let base: string;

before(async () => {
  dns = await startTestDns({ DNS_ZONE: 'scaleout.test', DNS_RECORDS: 'www A 127.0.1.1; www A 127.0.1.2 weight=2' });
  base = `http://127.0.0.1:${dns.adminPort}`;
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
});

after(() => dns?.close());

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const serial = async () => ((await api('GET', '/zones')).body.zones as Array<{ serial: number }>)[0]!.serial;
const www = async () => (await resolver.resolve4('www.scaleout.test')).sort();

test('the API needs the bearer token', async () => {
  for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
    const res = await api('GET', '/records', undefined, token);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'DNS_ERR_UNAUTHORIZED');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  }
  const drain = await api('POST', '/addresses/127.0.1.1/drain', undefined, null);
  assert.equal(drain.status, 401);
  assert.deepEqual(await www(), ['127.0.1.1', '127.0.1.2']);
  // health and metrics stay open
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/metrics`)).status, 200);
});

test('lists zones, records with health and addresses', async () => {
  const zones = await api('GET', '/zones');
  assert.equal(zones.status, 200);
  assert.equal(zones.headers.get('x-served-by'), 'dns-test');
  assert.deepEqual((zones.body.zones as Array<{ zone: string }>).map((z) => z.zone), ['scaleout.test']);
  const records = (await api('GET', '/records?name=www')).body.records as Array<Record<string, unknown>>;
  assert.deepEqual(records, [
    { name: 'www.scaleout.test', type: 'A', ttl: 30, value: '127.0.1.1', weight: 1, health: 'unchecked', drained: false, inRotation: true },
    { name: 'www.scaleout.test', type: 'A', ttl: 30, value: '127.0.1.2', weight: 2, health: 'unchecked', drained: false, inRotation: true },
  ]);
  const addresses = (await api('GET', '/addresses')).body.addresses as Array<{ address: string; names: string[] }>;
  assert.deepEqual(addresses.find((a) => a.address === '127.0.1.1')!.names, ['www.scaleout.test']);
});

test('drain takes an address out of every answer and bumps the serial; enable brings it back', async () => {
  const before = await serial();
  const res = await api('POST', '/addresses/127.0.1.1/drain');
  assert.equal(res.status, 200);
  assert.equal((res.body.address as { drained: boolean }).drained, true);
  assert.equal((res.body.serials as Record<string, number>)['scaleout.test'], before + 1);
  for (let i = 0; i < 3; i++) assert.deepEqual(await www(), ['127.0.1.2']);
  assert.match(await dns.registry.metrics(), /scaleout_dns_address_drained\{address="127\.0\.1\.1"\} 1/);
  const enable = await api('POST', '/addresses/127.0.1.1/enable');
  assert.equal(enable.status, 200);
  assert.equal(await serial(), before + 2);
  assert.deepEqual(await www(), ['127.0.1.1', '127.0.1.2']);
});

test('add and remove an address record', async () => {
  const before = await serial();
  const add = await api('POST', '/records', { name: 'www', address: '127.0.1.3', ttl: 10 });
  assert.equal(add.status, 201);
  assert.deepEqual(add.body.record, { name: 'www.scaleout.test', type: 'A', ttl: 10, value: '127.0.1.3', weight: 1, health: 'unchecked', drained: false, inRotation: true });
  assert.equal(await serial(), before + 1);
  assert.deepEqual(await www(), ['127.0.1.1', '127.0.1.2', '127.0.1.3']);
  const v6 = await api('POST', '/records', { name: 'new.scaleout.test', address: '::1', check: 'tcp:9' });
  assert.equal(v6.status, 201);
  assert.deepEqual(await resolver.resolve6('new.scaleout.test'), ['::1']);
  const check = (await api('GET', '/addresses')).body.addresses as Array<{ address: string; check: string | null }>;
  assert.equal(check.find((a) => a.address === '::1')!.check, 'tcp://[::1]:9');

  const del = await api('DELETE', '/records/www.scaleout.test/127.0.1.3');
  assert.equal(del.status, 200);
  assert.deepEqual(await www(), ['127.0.1.1', '127.0.1.2']);
  assert.equal((await api('DELETE', '/records/new/::1')).status, 200);
  await assert.rejects(resolver.resolve6('new.scaleout.test'), { code: 'ENOTFOUND' });
  assert.equal(await serial(), before + 4);
});

test('errors carry stable codes', async () => {
  const cases: Array<[string, string, unknown, number, string]> = [
    ['POST', '/addresses/10.9.9.9/drain', undefined, 404, 'DNS_ERR_NOT_FOUND'],
    ['POST', '/addresses/not-an-ip/drain', undefined, 400, 'DNS_ERR_ZONE_SYNTAX'],
    ['POST', '/records', { name: 'www', address: '127.0.1.1' }, 409, 'DNS_ERR_EXISTS'],
    ['POST', '/records', { name: 'www', address: 'nope' }, 400, 'DNS_ERR_ZONE_SYNTAX'],
    ['POST', '/records', { name: 'www', address: '127.0.1.9', check: 'gopher://x' }, 400, 'DNS_ERR_CHECK_SPEC'],
    ['POST', '/records', { name: 'www', address: '127.0.1.9', weight: 0 }, 400, 'DNS_ERR_BAD_REQUEST'],
    ['POST', '/records', { name: 'www' }, 400, 'DNS_ERR_BAD_REQUEST'],
    ['POST', '/records', { name: 'www.example.com.', address: '127.0.1.9' }, 404, 'DNS_ERR_NOT_FOUND'],
    ['DELETE', '/records/www/10.9.9.9', undefined, 404, 'DNS_ERR_NOT_FOUND'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await api(method, path, body);
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}`);
    assert.equal(res.body.code, code, `${method} ${path}`);
  }
  assert.deepEqual(await www(), ['127.0.1.1', '127.0.1.2']);
});

test('/metrics exposes the DNS metrics; /readyz turns 503 while draining', async () => {
  await resolver.resolve4('www.scaleout.test');
  await assert.rejects(resolver.resolve4('nope.scaleout.test'));
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const name of [
    'scaleout_dns_queries_total{type="A",transport="udp",rcode="NOERROR"}',
    'scaleout_dns_queries_total{type="A",transport="udp",rcode="NXDOMAIN"}',
    'scaleout_dns_address_answers_total{name="www.scaleout.test",address="127.0.1.1"}',
    'scaleout_dns_address_healthy{address="127.0.1.2"} 1',
    'scaleout_dns_query_duration_seconds_bucket{transport="udp",le="+Inf"}',
    'scaleout_dns_query_duration_seconds_count{transport="tcp"}',
    'scaleout_dns_zone_serial{zone="scaleout.test"}',
    'scaleout_dns_tcp_connections',
    'scaleout_dns_dropped_packets_total{reason="short"}',
    'process_resident_memory_bytes',
  ]) {
    assert.ok(text.includes(name), `missing ${name}`);
  }
  dns.readiness.setDraining();
  assert.equal((await fetch(`${base}/readyz`)).status, 503);
  dns.readiness.setDraining(false);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
});
