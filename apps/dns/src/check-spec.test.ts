import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCheckSpec } from './check-spec.js';
import { CheckSpecError } from './errors.js';
import { parseIp } from './ip-address.js';

const v4 = parseIp('127.0.1.1')!;
const v6 = parseIp('::1')!;

test('http(s) URLs with {addr}, tcp://host:port and tcp:port', () => {
  assert.equal(resolveCheckSpec('http://{addr}:8404/readyz', v4), 'http://127.0.1.1:8404/readyz');
  assert.equal(resolveCheckSpec('https://lb.example/health', v4), 'https://lb.example/health');
  assert.equal(resolveCheckSpec('tcp:8080', v4), 'tcp://127.0.1.1:8080');
  assert.equal(resolveCheckSpec('tcp://10.0.0.1:9', v4), 'tcp://10.0.0.1:9');
  assert.equal(resolveCheckSpec('tcp:53', v6), 'tcp://[::1]:53');
  assert.equal(resolveCheckSpec('http://{addr}:1/', v6), 'http://[::1]:1/');
});

test('anything else is a CheckSpecError', () => {
  for (const bad of ['8080', 'ftp://x/', 'tcp://host', 'tcp:99999', 'not a url', 'tcp://h:1/path']) {
    assert.throws(() => resolveCheckSpec(bad, v4), (e: unknown) => e instanceof CheckSpecError && e.code === 'DNS_ERR_CHECK_SPEC', bad);
  }
});
