import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@scaleout/service';
import { zoneSourcesFromConfig } from './app.js';
import { adminTokenSpec, dnsConfigSpec } from './config.js';

test('defaults work standalone on loopback: 127.0.0.1:5300, admin :5380, scaleout.test with www', () => {
  const c = loadConfig('DNS', dnsConfigSpec, { env: {} });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 5300);
  assert.equal(c.adminPort, 5380);
  assert.equal(c.udpPayload, 1232);
  const sources = zoneSourcesFromConfig(c);
  assert.deepEqual(sources.map((s) => s.origin.toDisplay()), ['scaleout.test']);
  const www = sources[0]!.records.filter((r) => r.name.toDisplay() === 'www.scaleout.test');
  assert.equal(www.length, 2);
});

test('bad values name the variable', () => {
  assert.throws(() => loadConfig('DNS', dnsConfigSpec, { env: { DNS_HOST: 'localhost' } }), (e: unknown) => e instanceof ConfigError && e.variable === 'DNS_HOST');
  assert.throws(() => loadConfig('DNS', dnsConfigSpec, { env: { DNS_UDP_PAYLOAD: '100' } }), /DNS_UDP_PAYLOAD/);
  assert.throws(() => loadConfig('DNS', dnsConfigSpec, { env: { DNS_CHECK_FALL: '0' } }), /DNS_CHECK_FALL/);
});

test('the development admin token is refused in production', () => {
  assert.equal(loadConfig('SCALEOUT', adminTokenSpec, { env: {} }).adminToken, 'dev-admin-token');
  assert.throws(() => loadConfig('SCALEOUT', adminTokenSpec, { env: { NODE_ENV: 'production' } }), /SCALEOUT_ADMIN_TOKEN/);
  assert.throws(() => loadConfig('SCALEOUT', adminTokenSpec, { env: { NODE_ENV: 'production', SCALEOUT_ADMIN_TOKEN: 'dev-admin-token' } }), /refused/);
});

test('zone files and DNS_ZONE together; DNS_RECORDS without DNS_ZONE is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dns-config-'));
  try {
    const file = join(dir, 'other.zone');
    writeFileSync(file, '$ORIGIN other.test.\n$TTL 60\n@ SOA ns hm 5 1 1 1 1\n@ NS ns\nns A 10.0.0.1\n');
    const c = loadConfig('DNS', dnsConfigSpec, { env: { DNS_ZONE: 'a.test', DNS_RECORDS: 'www A 10.0.0.2', DNS_ZONE_FILE: file } });
    assert.deepEqual(zoneSourcesFromConfig(c).map((s) => s.origin.toDisplay()), ['a.test', 'other.test']);
    const onlyFile = loadConfig('DNS', dnsConfigSpec, { env: { DNS_ZONE_FILE: file } });
    assert.deepEqual(zoneSourcesFromConfig(onlyFile).map((s) => s.origin.toDisplay()), ['other.test']);
    const orphan = loadConfig('DNS', dnsConfigSpec, { env: { DNS_ZONE_FILE: file, DNS_RECORDS: 'www A 10.0.0.2' } });
    assert.throws(() => zoneSourcesFromConfig(orphan), /DNS_ZONE is not/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
