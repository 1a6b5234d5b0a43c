// Health-aware answers against real HTTP check targets on 127.0.1.1 and 127.0.1.2 (the LB addresses).
import { after, before, test } from 'node:test';
import { until } from '@scaleout/testing';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resolver } from 'node:dns/promises';
import type { CheckResult } from '@scaleout/health';
import { DomainName, type DnsService } from '../src/index.js';
import { startTestDns } from './support/start-dns.js';

const LB1 = '127.0.1.1';
const LB2 = '127.0.1.2';
const RISE = 2;
const FALL = 3;

interface Target {
  server: http.Server;
  port: number;
  status: number;
}

async function target(host: string): Promise<Target> {
  const t = { status: 200 } as Target;
  t.server = http.createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? t.status : 404).end();
  });
  await new Promise<void>((r) => t.server.listen(0, host, r));
  t.port = (t.server.address() as AddressInfo).port;
  return t;
}

let lb1: Target;
let lb2: Target;
let dns: DnsService;
let resolver: Resolver;

const inRotation = (address: string) =>
  dns.zones.list(DomainName.parse('www.scaleout.test.')).find((r) => r.value === address)!.inRotation!;
const answered = async () => (await resolver.resolve4('www.scaleout.test')).sort();

/**
 * Waits for `n` counted checks of `address` with result `ok` (checks with the other result before the
 * first one are skipped: they were in flight when the target changed), recording after each whether
 * the address is still answered.
 */
function watchChecks(address: string, ok: boolean, n: number): Promise<Array<{ ok: boolean; answered: boolean }>> {
  return new Promise((resolve) => {
    const seen: Array<{ ok: boolean; answered: boolean }> = [];
    const onCheck = (e: CheckResult) => {
      if (e.name !== address || (seen.length === 0 && e.ok !== ok)) return;
      // 'change' is emitted right after 'check': look once it has been handled.
      queueMicrotask(() => {
        seen.push({ ok: e.ok, answered: inRotation(address) });
        if (seen.length === n) {
          dns.health.group.off('check', onCheck);
          resolve(seen);
        }
      });
    };
    dns.health.group.on('check', onCheck);
  });
}

before(async () => {
  lb1 = await target(LB1);
  lb2 = await target(LB2);
  dns = await startTestDns({
    DNS_ZONE: 'scaleout.test',
    DNS_RECORDS: `www A ${LB1} check=http://{addr}:${lb1.port}/readyz; www A ${LB2} check=http://{addr}:${lb2.port}/readyz`,
    DNS_CHECK_INTERVAL: '100ms',
    DNS_CHECK_FAST_INTERVAL: '50ms',
    DNS_CHECK_DOWN_INTERVAL: '100ms',
    DNS_CHECK_TIMEOUT: '500ms',
    DNS_CHECK_RISE: String(RISE),
    DNS_CHECK_FALL: String(FALL),
  });
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
});

after(async () => {
  await dns?.close();
  lb1?.server.close();
  lb2?.server.close();
});

test('both LBs healthy: both addresses answered', async () => {
  await until('first checks', () => dns.health.group.snapshot().every((s) => s.checks >= 1));
  assert.deepEqual(await answered(), [LB1, LB2]);
});

test('a failing check removes the address exactly at the fall-th failure; it returns at the rise-th success', async () => {
  const failing = watchChecks(LB1, false, FALL);
  lb1.status = 503;
  const down = await failing;
  assert.deepEqual(
    down.map((c) => c.ok),
    Array.from({ length: FALL }, () => false),
  );
  assert.deepEqual(
    down.map((c) => c.answered),
    [...Array.from({ length: FALL - 1 }, () => true), false],
  );
  assert.deepEqual(await answered(), [LB2]);
  for (let i = 0; i < 4; i++) assert.deepEqual(await resolver.resolve4('www.scaleout.test'), [LB2]);

  const healing = watchChecks(LB1, true, RISE);
  lb1.status = 200;
  const up = await healing;
  assert.deepEqual(
    up.map((c) => c.ok),
    Array.from({ length: RISE }, () => true),
  );
  assert.deepEqual(
    up.map((c) => c.answered),
    [...Array.from({ length: RISE - 1 }, () => false), true],
  );
  assert.deepEqual(await answered(), [LB1, LB2]);
  const metrics = await dns.registry.metrics();
  assert.match(metrics, /scaleout_dns_health_transitions_total\{address="127\.0\.1\.1",to="down"\} 1/);
  assert.match(metrics, /scaleout_dns_health_transitions_total\{address="127\.0\.1\.1",to="up"\} 1/);
  assert.match(metrics, /scaleout_dns_health_checks_total\{address="127\.0\.1\.1",result="fail"\} [3-9]/);
});

test('every LB down: all addresses are returned (fail open) and it is counted', async () => {
  lb1.status = 503;
  lb2.status = 500;
  await until('both down', () => dns.zones.addresses.get(LB1)!.health === 'down' && dns.zones.addresses.get(LB2)!.health === 'down');
  assert.deepEqual(await answered(), [LB1, LB2]);
  const firsts = new Set<string>();
  for (let i = 0; i < 4; i++) firsts.add((await resolver.resolve4('www.scaleout.test'))[0]!);
  assert.equal(firsts.size, 2, 'still rotating while failing open');
  const metrics = await dns.registry.metrics();
  assert.match(metrics, /scaleout_dns_fail_open_events_total\{name="www\.scaleout\.test",type="A"\} 1/);
  assert.match(metrics, /scaleout_dns_fail_open_answers_total\{name="www\.scaleout\.test",type="A"\} [5-9]/);
  assert.match(metrics, /scaleout_dns_address_healthy\{address="127\.0\.1\.1"\} 0/);
});

test('a stopped LB (connection refused) goes down too; the healthy one is answered alone', async () => {
  lb1.status = 200;
  await new Promise<void>((r) => lb2.server.close(() => r()));
  lb2.server.closeAllConnections();
  await until('lb1 up', () => dns.zones.addresses.get(LB1)!.health === 'up');
  assert.deepEqual(await answered(), [LB1]);
  const res = await fetch(`http://127.0.0.1:${dns.adminPort}/api/addresses`, { headers: { authorization: 'Bearer test-admin-token' } });
  const body = (await res.json()) as { addresses: Array<{ address: string; health: string; lastError: string | null }> };
  const two = body.addresses.find((a) => a.address === LB2)!;
  assert.equal(two.health, 'down');
  assert.match(two.lastError ?? '', /connect|ECONNREFUSED/i);
});
