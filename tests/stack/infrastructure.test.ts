// Issue 2 acceptance: the stack runner brings up db1, db2 (master-master), mc1, mc2 (and Prometheus when
// installed); status reports them healthy; rows replicate both ways; kill and restart db2, it catches up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import type { InstanceStatus } from '@scaleout/stack';
import { startTestStack, eventually, type TestStack } from './stack-helpers.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack(1, { prometheus: 'auto' });
});
after(async () => {
  await stack?.down();
});

const app = (host: string) => mysql.createConnection({ host, port: 3306, user: 'app', password: 'app', database: 'shop' });

test('status --json lists db1, db2, mc1, mc2 running and healthy at the planned addresses', async () => {
  const res = await stack.cli('status', '--json');
  assert.equal(res.code, 0, res.stderr);
  const rows = JSON.parse(res.stdout) as InstanceStatus[];
  const byName = new Map(rows.map((r) => [r.name, r]));
  const expected: Record<string, string> = {
    db1: `${stack.net}.6.1:3306`,
    db2: `${stack.net}.6.2:3306`,
    mc1: `${stack.net}.4.1:11211`,
    mc2: `${stack.net}.4.2:11211`,
  };
  for (const [name, address] of Object.entries(expected)) {
    const r = byName.get(name);
    assert.ok(r, `${name} missing from status: ${res.stdout}`);
    assert.equal(r.address, address);
    assert.equal(r.state, 'running');
    assert.equal(r.healthy, true, `${name} not healthy`);
    assert.equal(typeof r.pid, 'number');
    for (const key of ['name', 'service', 'address', 'pid', 'state', 'healthy']) assert.ok(key in r, `status row lacks ${key}`);
  }
});

test('a row inserted on db1 is readable on db2 within 2 s, and vice versa', async () => {
  const [c1, c2] = await Promise.all([app(`${stack.net}.6.1`), app(`${stack.net}.6.2`)]);
  try {
    await c1.query('CREATE TABLE IF NOT EXISTS repl_check (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(16), token VARCHAR(64))');
    const t1 = `t1-${Date.now()}`;
    await c1.query('INSERT INTO repl_check (origin, token) VALUES (?, ?)', ['db1', t1]);
    const seen2 = await eventually(async () => {
      const [rows] = await c2.query<mysql.RowDataPacket[]>('SELECT origin FROM repl_check WHERE token = ?', [t1]);
      assert.equal(rows.length, 1);
      return Date.now();
    }, 'db1 → db2 replication', 2000, 20);
    assert.ok(seen2);
    const t2 = `t2-${Date.now()}`;
    await c2.query('INSERT INTO repl_check (origin, token) VALUES (?, ?)', ['db2', t2]);
    await eventually(async () => {
      const [rows] = await c1.query<mysql.RowDataPacket[]>('SELECT origin FROM repl_check WHERE token = ?', [t2]);
      assert.equal(rows.length, 1);
    }, 'db2 → db1 replication', 2000, 20);
  } finally {
    c1.destroy();
    c2.destroy();
  }
});

test('scaleout kill db2 then restart db2: it comes back and catches up', async () => {
  const killed = await stack.cli('kill', 'db2');
  assert.equal(killed.code, 0, killed.stderr);
  const st = await stack.cli('status', '--json');
  const db2 = (JSON.parse(st.stdout) as InstanceStatus[]).find((r) => r.name === 'db2')!;
  assert.equal(db2.state, 'killed');
  assert.equal(db2.healthy, false);
  assert.equal(db2.pid, null);
  // killed on purpose: not restarted behind our back
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(stack.supervisor.get('db2')?.state, 'killed');

  const c1 = await app(`${stack.net}.6.1`);
  try {
    for (let i = 0; i < 25; i++) await c1.query("INSERT INTO repl_check (origin, token) VALUES ('db1', 'while-db2-down')");
  } finally {
    c1.destroy();
  }
  const restarted = await stack.cli('restart', 'db2');
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.equal(stack.supervisor.get('db2')?.state, 'running');
  const c2 = await app(`${stack.net}.6.2`);
  try {
    await eventually(async () => {
      const [rows] = await c2.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM repl_check WHERE token = 'while-db2-down'");
      assert.equal(Number(rows[0]!.n), 25);
    }, 'db2 catching up', 10_000);
  } finally {
    c2.destroy();
  }
});

test('a crashed instance is reported and restarted with back-off', async () => {
  const before = stack.supervisor.get('mc2')!;
  process.kill(before.pid!, 'SIGKILL');
  await eventually(async () => assert.equal(stack.supervisor.get('mc2')?.state, 'crashed'), 'crash noticed', 3000, 20);
  const after = await eventually(async () => {
    const s = stack.supervisor.get('mc2')!;
    assert.equal(s.state, 'running');
    assert.notEqual(s.pid, before.pid);
    return s;
  }, 'restart after crash', 10_000);
  assert.equal(after.restarts, 1);
});

test('pause and resume: a paused instance is reported unhealthy, then healthy again', async () => {
  assert.equal((await stack.cli('pause', 'mc1')).code, 0);
  assert.equal(stack.supervisor.get('mc1')?.state, 'paused');
  assert.equal(stack.supervisor.get('mc1')?.healthy, false);
  assert.equal((await stack.cli('resume', 'mc1')).code, 0);
  await eventually(async () => assert.equal(stack.supervisor.get('mc1')?.healthy, true), 'mc1 healthy again', 8000);
});

test('logs shows an instance log; unknown instances get a clear error', async () => {
  const logs = await stack.cli('logs', 'db1', '-n', '5');
  assert.equal(logs.code, 0);
  const unknown = await stack.cli('kill', 'nope9');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no instance named nope9/);
});

test('Prometheus (when installed) scrapes every instance that exposes metrics', async (t) => {
  const prom = stack.supervisor.get('prometheus');
  if (!prom) {
    assert.fail('prometheus is not installed (apt-get install -y prometheus); .ci/run installs it');
  }
  t.diagnostic(`prometheus at ${prom.address}`);
  await eventually(async () => {
    const res = await fetch(`http://${prom.address}/api/v1/targets`);
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: { instance: string }; health: string }> } };
    const stackTarget = body.data.activeTargets.find((x) => x.labels.instance === 'stack');
    assert.equal(stackTarget?.health, 'up');
  }, 'prometheus scraping the stack', 20_000, 500);
});
