// The compose file as Compose resolves it (`config`, no engine needed): every service of the stack,
// health checks, start order on health, hardening, and only the LBs, Prometheus and Grafana
// publishing ports.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { testStackEnvironment } from '../../src/compose-stack.js';
import { composeCli, run } from '../../src/docker-cli.js';
import { COMPOSE_DIR, COMPOSE_FILE } from '../../src/stack-paths.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  ports?: (string | { published?: string | number; target: number; host_ip?: string })[];
  read_only?: boolean;
  init?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  environment?: Record<string, string | null>;
  volumes?: unknown[];
  profiles?: string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
}

const STACK = ['db1', 'db2', 'mc1', 'mc2', 'proxy1', 'proxy2', 'session1', 'session2', 'web', 'lb1', 'lb2', 'dns', 'prometheus', 'grafana'];
const NODE_APPS: Record<string, string> = { proxy1: 'db-proxy', proxy2: 'db-proxy', session1: 'session', session2: 'session', web: 'web', lb1: 'lb', lb2: 'lb', dns: 'dns' };

describe('compose/docker-compose.yml', () => {
  let services: Record<string, Service>;
  let env: Record<string, string>;

  before(async () => {
    const cli = composeCli();
    env = { ...testStackEnvironment(1), COMPOSE_PROFILES: 'grafana' };
    // An empty env file stands in for compose/.env, so the test sees the file's own defaults.
    const dir = mkdtempSync(join(tmpdir(), 'scaleout-compose-'));
    try {
      writeFileSync(join(dir, 'empty.env'), '');
      const { stdout } = await run(cli.command, [...cli.prefix, '--env-file', join(dir, 'empty.env'), '-f', COMPOSE_FILE, 'config'], {
        cwd: COMPOSE_DIR,
        env: { PATH: process.env.PATH, ...env },
      });
      services = (parse(stdout) as { services: Record<string, Service> }).services;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('defines every service of the stack', () => {
    assert.deepEqual(Object.keys(services).sort(), [...STACK].sort());
  });

  test('every service has a health check, and dependencies wait for health', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.healthcheck?.test, `${name} has no healthcheck`);
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        assert.equal(cond.condition, 'service_healthy', `${name} → ${dep}`);
      }
    }
    assert.deepEqual(Object.keys(services.web!.depends_on ?? {}).sort(), ['mc1', 'mc2', 'proxy1', 'proxy2', 'session1', 'session2']);
    assert.deepEqual(Object.keys(services.lb1!.depends_on ?? {}), ['web']);
    assert.deepEqual(Object.keys(services.dns!.depends_on ?? {}).sort(), ['lb1', 'lb2']);
    assert.deepEqual(Object.keys(services.proxy1!.depends_on ?? {}).sort(), ['db1', 'db2']);
  });

  test('only the LBs, Prometheus and Grafana publish ports, on the loopback address by default', () => {
    const publishing = Object.entries(services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([n]) => n)
      .sort();
    assert.deepEqual(publishing, ['grafana', 'lb1', 'lb2', 'prometheus']);
    for (const name of publishing) {
      for (const p of services[name]!.ports!) {
        const text = typeof p === 'string' ? p : `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target}`;
        assert.match(text, /^127\.0\.0\.1:/, `${name} publishes ${text}`);
      }
    }
    assert.equal(services.web!.ports, undefined, 'web is scalable: no fixed port');
  });

  test('the Node services are hardened and built from the one Dockerfile', () => {
    for (const [name, app] of Object.entries(NODE_APPS)) {
      const s = services[name]!;
      assert.equal(s.read_only, true, `${name} read_only`);
      assert.equal(s.init, true, `${name} init`);
      assert.deepEqual(s.cap_drop, ['ALL'], `${name} cap_drop`);
      assert.ok(s.security_opt?.includes('no-new-privileges:true'), `${name} no-new-privileges`);
      assert.equal(s.build?.args?.APP, app, `${name} builds apps/${app}`);
      assert.match(s.build?.dockerfile ?? '', /docker\/node\/Dockerfile$/);
      assert.equal(s.image, `scaleout/${app}:latest`);
    }
    for (const name of ['db1', 'db2', 'mc1', 'mc2', 'prometheus']) {
      assert.equal(services[name]!.read_only, true, `${name} read_only`);
      assert.deepEqual(services[name]!.cap_drop, ['ALL'], `${name} cap_drop`);
    }
  });

  test('no service runs with development secrets: every secret comes from the env file', () => {
    const secrets = new Set(Object.entries(env).filter(([k]) => /(_PASSWORD|_SECRET|_TOKEN)$/.test(k)).map(([, v]) => v));
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!/(PASSWORD|SECRET|TOKEN)$/.test(key)) continue;
        assert.ok(value && [...secrets].some((sec) => value.includes(sec)), `${name}: ${key} is not taken from the env file`);
      }
    }
    assert.equal(services.db1!.environment!.SCALEOUT_DB_SERVER_ID, '1');
    assert.equal(services.db2!.environment!.SCALEOUT_DB_SERVER_ID, '2');
    assert.equal(services.db1!.environment!.SCALEOUT_DB_PEER_HOST, 'db2');
    assert.equal(services.db2!.environment!.SCALEOUT_DB_PEER_HOST, 'db1');
  });

  test('the LBs discover web through Docker DNS and have the addresses DNS hands out', () => {
    for (const lb of ['lb1', 'lb2']) {
      assert.equal(services[lb]!.environment!.LB_DISCOVER, 'web:3000');
      assert.equal(services[lb]!.environment!.LB_RESOLVER, '127.0.0.11');
    }
    assert.equal(services.lb1!.networks?.default?.ipv4_address, env.LB1_ADDR);
    assert.equal(services.lb2!.networks?.default?.ipv4_address, env.LB2_ADDR);
    const records = services.dns!.environment!.DNS_RECORDS ?? '';
    assert.ok(records.includes(`www A ${env.LB1_ADDR}`) && records.includes(`www A ${env.LB2_ADDR}`), records);
  });

  test('data lives in named volumes and Grafana runs in its own profile', () => {
    assert.match(JSON.stringify(services.db1!.volumes), /db1-data/);
    assert.match(JSON.stringify(services.db2!.volumes), /db2-data/);
    assert.match(JSON.stringify(services.prometheus!.volumes), /prometheus-data/);
    assert.deepEqual(services.grafana!.profiles, ['grafana']);
  });
});
