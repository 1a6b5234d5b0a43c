import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStack, formatStatus, prometheusConfig, repoRoot, stackPaths, type StackOptions } from './index.js';

function options(net = '127.0', web = 2): StackOptions {
  return {
    net,
    paths: stackPaths('/tmp/scaleout-spec-test'),
    repoRoot: repoRoot(),
    counts: { web },
    secrets: { cookieSecret: 'c'.repeat(43), sessionSecret: 's'.repeat(43), lbCookieSecret: 'l'.repeat(43) },
    adminToken: 'token',
    installMissing: false,
    prometheus: false,
    notify: () => {},
  };
}

test('the stack description follows the address plan of the root README', () => {
  const services = describeStack(options());
  const instances = services.filter((s) => s.enabled()).flatMap((s) => s.instances());
  const addr = Object.fromEntries(instances.map((i) => [i.name, i.address]));
  assert.equal(addr.db1, '127.0.6.1:3306');
  assert.equal(addr.db2, '127.0.6.2:3306');
  assert.equal(addr.mc1, '127.0.4.1:11211');
  assert.equal(addr.mc2, '127.0.4.2:11211');
  assert.equal(addr.session1, '127.0.3.1:4000');
  assert.equal(addr.proxy2, '127.0.5.2:6033');
  assert.equal(addr.web2, '127.0.2.2:3000');
  assert.equal(addr.lb1, '127.0.1.1:8080');
  assert.equal(addr.dns, '127.0.0.1:5300');
  // start order: databases and memcached first, DNS after the LBs it checks
  const level = Object.fromEntries(services.map((s) => [s.service, s.level]));
  assert.ok(level.db! < level['db-proxy']! && level['db-proxy']! < level.web! && level.web! < level.lb! && level.lb! < level.dns!);
  assert.ok(level.session! < level.web!);
});

test('SCALEOUT_NET moves every address; web scales to N replicas', () => {
  const services = describeStack(options('127.42', 4));
  const web = services.find((s) => s.service === 'web')!;
  assert.equal(web.scalable, true);
  assert.deepEqual(
    web.instances(4).map((i) => i.address),
    ['127.42.2.1:3000', '127.42.2.2:3000', '127.42.2.3:3000', '127.42.2.4:3000'],
  );
  const all = services.flatMap((s) => s.instances());
  assert.ok(all.every((i) => i.host.startsWith('127.42.')), 'every instance on the chosen /16');
  assert.equal(services.find((s) => s.service === 'db')!.scalable, false);
});

test('node services get their instance name and dependencies from the description', () => {
  const services = describeStack(options());
  const web1 = services.find((s) => s.service === 'web')!.instances(2)[0]!;
  const env = web1.daemon().env!;
  assert.equal(env.WEB_INSTANCE, 'web1');
  assert.equal(env.WEB_HOST, '127.0.2.1');
  assert.equal(env.WEB_DB_HOSTS, '127.0.5.1:6033,127.0.5.2:6033');
  assert.equal(env.WEB_MEMCACHED_NODES, '127.0.4.1:11211,127.0.4.2:11211');
  assert.equal(env.WEB_COOKIE_SECRET, 'c'.repeat(43));
  const lb1 = services.find((s) => s.service === 'lb')!.instances()[0]!;
  assert.equal(lb1.daemon().env!.LB_SERVERS, 'web1=127.0.2.1:3000,web2=127.0.2.2:3000');
  const dns = services.find((s) => s.service === 'dns')!.instances()[0]!;
  assert.match(dns.daemon().env!.DNS_RECORDS!, /www A 127\.0\.1\.1 check=http:\/\/\{addr\}:8404\/readyz; www A 127\.0\.1\.2/);
});

test('Prometheus configuration scrapes every instance with metrics, labelled by instance name', () => {
  const services = describeStack(options());
  const text = prometheusConfig(services.flatMap((s) => s.instances()), { target: '127.0.0.1:7000' });
  assert.match(text, /job_name: stack/);
  assert.match(text, /targets: \['127\.0\.1\.1:8404'\]\n\s+labels: \{ instance: 'lb1', service: 'lb' \}/);
  assert.match(text, /targets: \['127\.0\.5\.2:6080'\]/);
  assert.doesNotMatch(text, /11211/, 'memcached has no /metrics of its own');
});

test('status table', () => {
  const out = formatStatus([
    { name: 'db1', service: 'db', address: '127.0.6.1:3306', pid: 42, state: 'running', healthy: true, restarts: 0 },
    { name: 'web2', service: 'web', address: '127.0.2.2:3000', pid: null, state: 'failed', healthy: false, lastError: 'port taken\nmore' },
  ]);
  const lines = out.split('\n');
  assert.match(lines[0]!, /^NAME\s+SERVICE\s+ADDRESS\s+PID\s+STATE\s+HEALTHY$/);
  assert.match(lines[1]!, /^db1\s+db\s+127\.0\.6\.1:3306\s+42\s+running\s+yes$/);
  assert.match(lines[2]!, /^web2\s+web\s+127\.0\.2\.2:3000\s+-\s+failed\s+no$/);
  assert.equal(lines[3], '  web2: port taken');
});
