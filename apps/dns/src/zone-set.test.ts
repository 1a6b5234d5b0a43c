import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainName } from './domain-name.js';
import { CheckSpecError, NotFoundError, RecordExistsError, ZoneDataError } from './errors.js';
import { resolveCheckSpec } from './check-spec.js';
import { parseIp } from './ip-address.js';
import { envZoneSources } from './record-list.js';
import { ZoneSet } from './zone-set.js';

const opts = { defaultTtl: 30, negativeTtl: 30, serial: 1 };
const make = (records: string, zones = ['z.test']) =>
  new ZoneSet(envZoneSources(zones, records, opts), { resolveCheck: resolveCheckSpec });
const name = (s: string) => DomainName.parse(`${s}.`);
const a = (n: string, ip: string, check?: string) => ({ name: name(n), ttl: 30, weight: 1, data: { type: 'A' as const, ip: parseIp(ip)! }, ...(check ? { check } : {}) });

test('refuses invalid zones: CNAME with other data, NS below the apex, two checks for one address', () => {
  assert.throws(() => make('x CNAME y; x A 1.2.3.4'), /CNAME and other data/);
  assert.throws(() => make('x CNAME y; x CNAME w'), /CNAME and other data|more than one CNAME/);
  assert.throws(() => make('sub NS ns.elsewhere.'), /delegations are not supported/);
  assert.throws(() => make('x A 10.0.0.1 check=tcp:1; y A 10.0.0.1 check=tcp:2'), ZoneDataError);
  assert.throws(() => make('x A 10.0.0.1 check=gopher://x'), CheckSpecError);
  assert.throws(() => make('x A 10.0.0.1; x A 10.0.0.1'), RecordExistsError);
});

test('addresses: one entry per IP shared by names, check resolved with {addr}', () => {
  const zs = make('x A 10.0.0.1 check=http://{addr}:1/h; y A 10.0.0.1; y A 10.0.0.2');
  assert.equal(zs.addresses.size, 2);
  assert.equal(zs.addresses.get('10.0.0.1')!.check, 'http://10.0.0.1:1/h');
  assert.equal(zs.addresses.get('10.0.0.1')!.records.size, 2);
  assert.equal(zs.addresses.get('10.0.0.2')!.health, 'unchecked');
  assert.equal(zs.addresses.get('10.0.0.1')!.health, 'up');
});

test('add and remove records at run time: empty non-terminals appear and go, serial bumps, errors', () => {
  const zs = make('www A 10.0.0.1');
  const serial = () => zs.zones[0]!.serial;
  const added: string[] = [];
  const removed: string[] = [];
  zs.events = { addressAdded: (e) => added.push(e.ip.text), addressRemoved: (e) => removed.push(e.ip.text) };
  zs.addAddressRecord(a('a.b.z.test', '10.0.0.9', 'tcp:80'));
  assert.ok(zs.node(name('b.z.test'))?.isEmpty);
  assert.deepEqual(added, ['10.0.0.9']);
  assert.equal(serial(), 2);
  assert.throws(() => zs.addAddressRecord(a('a.b.z.test', '10.0.0.9')), RecordExistsError);
  assert.throws(() => zs.addAddressRecord(a('elsewhere.test', '10.0.0.9')), NotFoundError);
  assert.equal(serial(), 2);
  zs.removeAddressRecord(name('a.b.z.test'), '10.0.0.9');
  assert.equal(zs.node(name('b.z.test')), undefined);
  assert.equal(zs.node(name('a.b.z.test')), undefined);
  assert.deepEqual(removed, ['10.0.0.9']);
  assert.equal(serial(), 3);
  assert.throws(() => zs.removeAddressRecord(name('www.z.test'), '10.9.9.9'), NotFoundError);
  assert.throws(() => zs.setDrained('10.9.9.9', true), NotFoundError);
});

test('list shows records with health, drain and rotation state', () => {
  const zs = make('www A 10.0.0.1; www A 10.0.0.2 weight=4');
  zs.setDrained('10.0.0.1', true);
  const www = zs.list(name('www.z.test'));
  assert.deepEqual(
    www.map((r) => [r.value, r.weight, r.drained, r.inRotation]),
    [
      ['10.0.0.1', 1, true, false],
      ['10.0.0.2', 4, false, true],
    ],
  );
  assert.ok(zs.list().some((r) => r.type === 'SOA'));
});
