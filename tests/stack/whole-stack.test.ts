// The whole stack, started by the same code as `scaleout up`, driven by real clients: dig, HTTP through
// both LBs, MySQL. Issue 2's acceptance (db1/db2 master-master, mc1/mc2, status, kill/restart) and the
// cross-service behaviour of the later issues (DNS → LBs → web → session/cache/db), with fault injection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { InstanceStatus } from '@scaleout/stack';
import { startTestStack, eventually, type TestStack } from './stack-helpers.js';
import { http, ShopClient } from './http-client.js';
import { launchChromium } from '@scaleout/testing';
import { browserShopFlow } from './browser-shop.js';

const run = promisify(execFile);

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

const lbUrl = (n: number) => `http://${stack.net}.1.${n}:8080`;

async function dig(...args: string[]): Promise<string> {
  const { stdout } = await run('dig', [`@${stack.net}.0.1`, '-p', '5300', ...args], { timeout: 10_000 });
  return stdout;
}

function digAnswers(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => /\sIN\s+A\s/.test(l) && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).pop()!);
}

test('dig: www.scaleout.test answers both LBs, authoritative, in rotating order', async () => {
  const first = await dig('www.scaleout.test');
  assert.match(first, /flags:[^;]*\baa\b/, first);
  const a1 = digAnswers(first);
  assert.deepEqual([...a1].sort(), [`${stack.net}.1.1`, `${stack.net}.1.2`]);
  const a2 = digAnswers(await dig('www.scaleout.test'));
  assert.notDeepEqual(a2, a1, 'consecutive answers should come in a different order');
});

test('HTTP through each LB reaches the web pool, and both replicas serve; a repeat is a page-cache hit', async () => {
  const servedBy = new Set<string>();
  for (const n of [1, 2]) {
    for (let i = 0; i < 6; i++) {
      // Distinct pages: each is a miss of the LB's page cache, so the balancer picks a replica.
      const res = await http(`${lbUrl(n)}/api/products?pageSize=2&page=${n * 10 + i}`);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['x-cache'], 'MISS');
      servedBy.add(String(res.headers['x-served-by']));
    }
  }
  assert.deepEqual([...servedBy].sort(), ['web1', 'web2']);
  const again = await http(`${lbUrl(1)}/api/products?pageSize=2&page=10`);
  assert.equal(again.status, 200);
  assert.equal(again.headers['x-cache'], 'HIT', 'anonymous catalogue JSON is served from the LB page cache');
  assert.ok(Number(again.headers.age) >= 0, 'with an Age header');
});

test('a shop session works through both LBs and survives killing the replica that served it', async () => {
  const shop = new ShopClient(lbUrl(1));
  const username = `stack${Date.now()}`;
  const signup = await shop.call('POST', '/api/signup', { username, password: 'correct horse battery' });
  assert.equal(signup.status, 201, signup.body);
  for (const productId of [1, 3, 5]) {
    const add = await shop.call('POST', '/api/cart', { productId, quantity: 1 });
    assert.equal(add.status, 200, add.body);
  }
  // the same session through the other LB
  shop.base = lbUrl(2);
  const cart = await shop.call('GET', '/api/cart');
  assert.equal(cart.status, 200);
  const body = cart.json() as { user: { username: string }; itemCount: number };
  assert.equal(body.user.username, username);
  assert.equal(body.itemCount, 3);
  const victim = String(cart.headers['x-served-by']);
  const killed = await stack.cli('kill', victim);
  assert.equal(killed.code, 0, killed.stderr);
  for (const n of [1, 2, 1, 2]) {
    shop.base = lbUrl(n);
    const after = await shop.call('GET', '/api/cart');
    assert.equal(after.status, 200, after.body);
    assert.notEqual(after.headers['x-served-by'], victim);
    const b = after.json() as { user: { username: string }; itemCount: number };
    assert.equal(b.user.username, username, 'still logged in');
    assert.equal(b.itemCount, 3, 'cart still there');
  }
  assert.equal((await stack.cli('restart', victim)).code, 0);
});

test('browser: sign up, log in, cart, another replica, checkout, history, replica killed — through the LB', async () => {
  const browser = await launchChromium();
  try {
    await browserShopFlow(stack, browser);
  } finally {
    await browser.close();
  }
});

test('scale web=3 then web=2 under load through both LBs: no failed request', async () => {
  let stop = false;
  const failures: string[] = [];
  const servedBy = new Map<string, number>();
  let requests = 0;
  const worker = async (w: number) => {
    while (!stop) {
      // A different catalogue page each time: misses of the LB's page cache, so every request reaches a replica.
      const url = `${lbUrl((w % 2) + 1)}/api/products?pageSize=2&page=${100 + (requests % 1400)}`;
      try {
        const res = await http(url);
        requests += 1;
        if (res.status !== 200) failures.push(`${res.status} ${url} ${res.body.slice(0, 100)}`);
        // A page-cache hit carries the X-Served-By of the replica that first answered: count replies only.
        if (res.headers['x-cache'] === 'HIT' || res.headers['x-cache'] === 'STALE') continue;
        const by = String(res.headers['x-served-by']);
        servedBy.set(by, (servedBy.get(by) ?? 0) + 1);
      } catch (err) {
        failures.push(`${url}: ${(err as Error).message}`);
      }
    }
  };
  const load = Promise.all([0, 1, 2, 3].map(worker));
  try {
    const up = await stack.cli('scale', 'web=3');
    assert.equal(up.code, 0, up.stderr);
    await eventually('web3 taking traffic', async () => assert.ok((servedBy.get('web3') ?? 0) > 0, `served by ${JSON.stringify([...servedBy])} after ${requests} requests, failures ${failures.slice(0, 3).join('; ')}`), 15_000);
    const down = await stack.cli('scale', 'web=2');
    assert.equal(down.code, 0, down.stderr);
    const before = servedBy.get('web3') ?? 0;
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(servedBy.get('web3') ?? 0, before, 'web3 still served after scale-in');
  } finally {
    stop = true;
    await load;
  }
  assert.ok(requests > 50, `only ${requests} requests`);
  assert.deepEqual(failures, []);
});

test('an LB that stops leaves the DNS answers, and comes back after it returns', async () => {
  assert.equal((await stack.cli('stop', 'lb1')).code, 0);
  await eventually('lb1 leaving DNS', async () => assert.deepEqual(digAnswers(await dig('www.scaleout.test')), [`${stack.net}.1.2`]), 10_000, 200);
  assert.equal((await stack.cli('restart', 'lb1')).code, 0);
  await eventually('lb1 back in DNS', async () => assert.equal(digAnswers(await dig('www.scaleout.test')).length, 2), 10_000, 200);
});

test('a row inserted on db1 is readable on db2 within 2 s, and vice versa', async () => {
  // The proxies fence the reader (read_only=ON), so the write on db2 goes in as root, which read_only
  // does not stop: this checks replication in both directions, not the application's write path.
  const rootOn = (db: string) =>
    mysql.createConnection({ socketPath: `${stack.home}/data/${db}/mysqld.sock`, user: 'root', password: '', database: 'shop' });
  const [c1, c2] = await Promise.all([rootOn('db1'), rootOn('db2')]);
  try {
    await c1.query('CREATE TABLE IF NOT EXISTS repl_check (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(16), token VARCHAR(64))');
    const t1 = `t1-${Date.now()}`;
    await c1.query('INSERT INTO repl_check (origin, token) VALUES (?, ?)', ['db1', t1]);
    await eventually('db1 → db2 replication', async () => {
      const [rows] = await c2.query<mysql.RowDataPacket[]>('SELECT origin FROM repl_check WHERE token = ?', [t1]);
      assert.equal(rows.length, 1);
    }, 2000, 20);
    const t2 = `t2-${Date.now()}`;
    await c2.query('INSERT INTO repl_check (origin, token) VALUES (?, ?)', ['db2', t2]);
    await eventually('db2 → db1 replication', async () => {
      const [rows] = await c1.query<mysql.RowDataPacket[]>('SELECT origin FROM repl_check WHERE token = ?', [t2]);
      assert.equal(rows.length, 1);
    }, 2000, 20);
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
    await eventually('db2 catching up', async () => {
      const [rows] = await c2.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM repl_check WHERE token = 'while-db2-down'");
      assert.equal(Number(rows[0]!.n), 25);
    }, 10_000);
  } finally {
    c2.destroy();
  }
});

test('a crashed instance is reported and restarted with back-off', async () => {
  const before = stack.supervisor.get('mc2')!;
  process.kill(before.pid!, 'SIGKILL');
  await eventually('crash noticed', async () => assert.equal(stack.supervisor.get('mc2')?.state, 'crashed'), 3000, 20);
  const after = await eventually('restart after crash', async () => {
    const s = stack.supervisor.get('mc2')!;
    assert.equal(s.state, 'running');
    assert.notEqual(s.pid, before.pid);
    return s;
  }, 10_000);
  assert.equal(after.restarts, 1);
});

test('pause and resume: a paused instance is reported unhealthy, then healthy again', async () => {
  assert.equal((await stack.cli('pause', 'mc1')).code, 0);
  assert.equal(stack.supervisor.get('mc1')?.state, 'paused');
  assert.equal(stack.supervisor.get('mc1')?.healthy, false);
  assert.equal((await stack.cli('resume', 'mc1')).code, 0);
  await eventually('mc1 healthy again', async () => assert.equal(stack.supervisor.get('mc1')?.healthy, true), 8000);
});

test('logs shows an instance log; unknown instances get a clear error', async () => {
  const logs = await stack.cli('logs', 'proxy1', '-n', '5');
  assert.equal(logs.code, 0);
  const lines = logs.stdout.trim().split('\n').filter(Boolean);
  assert.ok(lines.length >= 1 && lines.length <= 5, `expected 1 to 5 lines:\n${logs.stdout}`);
  assert.ok(lines.some((l) => l.startsWith('{') && (JSON.parse(l) as { service?: string }).service === 'db-proxy'), logs.stdout);
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
  await eventually('prometheus scraping the stack', async () => {
    const res = await fetch(`http://${prom.address}/api/v1/targets`);
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: { instance: string }; health: string }> } };
    const stackTarget = body.data.activeTargets.find((x) => x.labels.instance === 'stack');
    assert.equal(stackTarget?.health, 'up');
  }, 20_000, 500);
});

test('MySQL through both proxies: kill -9 db1 (the writer), writes resume within 5 s, nothing acknowledged is lost, db1 rejoins', async () => {
  const proxies = await Promise.all([1, 2].map((n) => mysql.createConnection({ host: `${stack.net}.5.${n}`, port: 6033, user: 'app', password: 'app', database: 'shop' })));
  const acked: string[] = [];
  try {
    await proxies[0]!.query('CREATE TABLE IF NOT EXISTS failover_check (id INT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) UNIQUE)');
    let stop = false;
    let lastAck = Date.now();
    let longestGap = 0;
    const errors: string[] = [];
    const writer = async (c: mysql.Connection, tag: string) => {
      for (let i = 0; !stop; i++) {
        const token = `${tag}-${i}`;
        try {
          await c.query('INSERT INTO failover_check (token) VALUES (?)', [token]);
          acked.push(token);
          const now = Date.now();
          longestGap = Math.max(longestGap, now - lastAck);
          lastAck = now;
        } catch (err) {
          errors.push((err as Error).message);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const load = Promise.all(proxies.map((c, i) => writer(c, `p${i + 1}`)));
    await new Promise((r) => setTimeout(r, 500));
    await stack.supervisor.kill('db1'); // SIGKILL, recorded as killed on purpose (what `scaleout kill db1` does)
    await eventually('writes resuming', async () => assert.ok(Date.now() - lastAck < 200 && acked.length > 0), 15_000, 50);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;
    assert.ok(longestGap < 5000, `writes stopped for ${longestGap} ms`);
    const [rows] = await proxies[0]!.query<mysql.RowDataPacket[]>('SELECT token FROM failover_check');
    const present = new Set(rows.map((r) => String(r.token)));
    const lost = acked.filter((t) => !present.has(t));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes missing on the new writer`);
  } finally {
    for (const c of proxies) c.destroy();
  }
  // db1 comes back fenced (read_only), then rejoins as a replica of db2 and catches up
  assert.equal((await stack.cli('restart', 'db1')).code, 0);
  const rejoin = await eventually('rejoin db1', async () => {
    const r = await stack.cli('rejoin', 'db1');
    assert.equal(r.code, 0, r.stderr);
    return r;
  }, 20_000, 1000);
  assert.match(rejoin.stdout, /db1/);
  // db1 ends with exactly the writer's rows: every acknowledged one, plus any write whose
  // acknowledgement was lost in the failover but which db2 had received (the client saw an error).
  const [db1, db2] = await Promise.all([app(`${stack.net}.6.1`), app(`${stack.net}.6.2`)]);
  const tokens = async (c: mysql.Connection) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT token FROM failover_check ORDER BY token');
    return rows.map((r) => String(r.token));
  };
  try {
    await eventually('db1 catching up after rejoin', async () => {
      const [onDb1, onDb2] = await Promise.all([tokens(db1), tokens(db2)]);
      assert.deepEqual(onDb1, onDb2);
      const present = new Set(onDb1);
      assert.deepEqual(acked.filter((t) => !present.has(t)), [], 'acknowledged writes missing on db1');
    }, 15_000);
  } finally {
    db1.destroy();
    db2.destroy();
  }
});
