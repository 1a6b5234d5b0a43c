import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imagesOfActiveServices, testStackEnvironment } from './compose-stack.js';

const CONFIG = `networks:
  default: {}
services:
  a:
    image: scaleout/a:latest
    ports:
    - 127.0.0.1:80:8080/tcp
  grafana:
    image: grafana/grafana:11.2.0
    profiles:
    - grafana
  b:
    build:
      context: /x
    image: 'mariadb:10.11'
volumes:
  d: {}
`;

test('images of the services in active profiles only', () => {
  assert.deepEqual(imagesOfActiveServices(CONFIG, new Set()), ['mariadb:10.11', 'scaleout/a:latest']);
  assert.deepEqual(imagesOfActiveServices(CONFIG, new Set(['grafana'])), ['grafana/grafana:11.2.0', 'mariadb:10.11', 'scaleout/a:latest']);
});

test('a test stack has fresh secrets, its own subnet and ephemeral loopback ports', () => {
  const a = testStackEnvironment(1);
  const b = testStackEnvironment(2);
  assert.notEqual(a.SCALEOUT_ADMIN_TOKEN, b.SCALEOUT_ADMIN_TOKEN);
  assert.notEqual(a.SCALEOUT_SUBNET, b.SCALEOUT_SUBNET);
  assert.match(a.SCALEOUT_SUBNET!, /^198\.1[89]\.\d+\.0\/24$/);
  assert.ok(a.LB1_ADDR!.startsWith(a.SCALEOUT_SUBNET!.replace(/0\/24$/, '')));
  assert.equal(a.LB1_HTTP_PORT, '0');
  assert.equal(a.PUBLISH_ADDR, '127.0.0.1');
  for (const [k, v] of Object.entries(a)) if (/(_PASSWORD|_SECRET|_TOKEN)$/.test(k)) assert.ok(v.length >= 32, k);
});
