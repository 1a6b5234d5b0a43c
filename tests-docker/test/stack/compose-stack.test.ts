// The compose stack end to end: every container built from this checkout, started by testcontainers
// from compose/docker-compose.yml (plus compose.test.yml for loopback ports), driven by real clients.
// Needs a Docker engine (compose/scripts/dockerd-up.sh) and the images (compose/scripts/build-offline.sh).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { lbServers, proxyBackends, proxyWriter } from '../../src/admin-api.js';
import { ComposeStack } from '../../src/compose-stack.js';
import { loadDashboardFiles } from '../../src/dashboard-files.js';
import { queryTcp, queryUdp, RCODE } from '../../src/dns-query.js';
import { run } from '../../src/docker-cli.js';
import { eventually, sleep } from '../../src/eventually.js';
import { failedRequests, startLoad } from '../../src/load-run.js';
import { MetricCatalog } from '../../src/metric-catalog.js';
import { missingDashboardMetrics } from '../../src/metric-check.js';
import { httpsGet, ShopClient } from '../../src/shop-client.js';

const SERVICES = ['db1', 'db2', 'mc1', 'mc2', 'proxy1', 'proxy2', 'session1', 'session2', 'web', 'lb1', 'lb2', 'dns', 'prometheus'];

describe('the compose stack', { concurrency: false }, () => {
  let stack: ComposeStack;
  let token: string;
  const ports: Record<string, number> = {};
  const lbBases = () => [`http://127.0.0.1:${ports.lb1}`, `http://127.0.0.1:${ports.lb2}`];

  before(
    async () => {
      const started = Date.now();
      stack = await ComposeStack.up({ log: (line) => console.log(`# ${line}`) });
      console.log(`# stack healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      token = stack.env.SCALEOUT_ADMIN_TOKEN!;
      const published: [string, string, number, 'tcp' | 'udp'][] = [
        ['lb1', 'lb1', 8080, 'tcp'],
        ['lb2', 'lb2', 8080, 'tcp'],
        ['lb2Https', 'lb2', 8443, 'tcp'],
        ['lb1Admin', 'lb1', 8404, 'tcp'],
        ['lb2Admin', 'lb2', 8404, 'tcp'],
        ['dnsUdp', 'dns', 5300, 'udp'],
        ['dnsTcp', 'dns', 5300, 'tcp'],
        ['proxy1', 'proxy1', 6033, 'tcp'],
        ['proxy2', 'proxy2', 6033, 'tcp'],
        ['proxy1Admin', 'proxy1', 6080, 'tcp'],
        ['proxy2Admin', 'proxy2', 6080, 'tcp'],
        ['prometheus', 'prometheus', 9090, 'tcp'],
      ];
      for (const [key, service, port, protocol] of published) ports[key] = await stack.hostPort(service, port, protocol);
    },
    { timeout: 900_000 },
  );

  after(
    async () => {
      if (!stack) return;
      const started = Date.now();
      await stack.down();
      console.log(`# stack removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    { timeout: 300_000 },
  );

  test('every service runs and passes its health check', async () => {
    const health = await stack.health();
    for (const service of SERVICES) {
      const name = stack.containerName(service);
      assert.equal(health.get(name), 'healthy', `${name}: ${health.get(name) ?? 'missing'}`);
    }
  });

  test('DNS hands out both LBs for www.scaleout.test over UDP and TCP, in rotating order', async () => {
    const lbAddresses = [stack.env.LB1_ADDR!, stack.env.LB2_ADDR!].sort();
    // The fixed addresses are really the LB containers'.
    for (const [service, address] of [['lb1', stack.env.LB1_ADDR!], ['lb2', stack.env.LB2_ADDR!]] as const) {
      const { stdout } = await run('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', stack.containerName(service)]);
      assert.equal(stdout.trim(), address, `${service}'s address`);
    }
    const udp = await queryUdp('127.0.0.1', ports.dnsUdp!, 'www.scaleout.test');
    assert.equal(udp.rcode, RCODE.NOERROR);
    assert.ok(udp.authoritative, 'the answer is authoritative');
    assert.deepEqual([...udp.addresses].sort(), lbAddresses);
    const tcp = await queryTcp('127.0.0.1', ports.dnsTcp!, 'www.scaleout.test');
    assert.deepEqual([...tcp.addresses].sort(), lbAddresses);
    const firsts = new Set<string>();
    for (let i = 0; i < 6; i++) firsts.add((await queryUdp('127.0.0.1', ports.dnsUdp!, 'www.scaleout.test')).addresses[0]!);
    assert.equal(firsts.size, 2, `both LBs come first in turn, saw ${[...firsts].join(', ')}`);
    const unknown = await queryUdp('127.0.0.1', ports.dnsUdp!, 'nope.scaleout.test');
    assert.equal(unknown.rcode, RCODE.NXDOMAIN);
  });

  test('a shop session works through both LBs (signup, cart, checkout, orders)', async () => {
    const shop = new ShopClient(lbBases());
    const username = `it_${randomBytes(4).toString('hex')}`;
    const signup = await shop.call<{ user: { username: string } }>(0, 'POST', '/api/signup', { username, password: 'integration-pw-1' });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    assert.ok(signup.servedBy, 'X-Served-By on responses');
    assert.deepEqual(shop.cookieNames.includes('sid'), true, `cookies: ${shop.cookieNames.join(', ')}`);

    const me = await shop.call<{ user: { username: string } | null }>(1, 'GET', '/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user?.username, username, 'the session made through lb1 is known through lb2');
    assert.match(me.via ?? '', /lb2/);

    const products = await shop.call<{ items: { id: number }[] }>(1, 'GET', '/api/products?pageSize=3');
    assert.equal(products.status, 200);
    const productId = products.body.items[0]!.id;
    const added = await shop.call(1, 'POST', '/api/cart', { productId, quantity: 2 });
    assert.equal(added.status, 200, JSON.stringify(added.body));

    const cart = await shop.call<{ lines: { productId: number; quantity: number }[] }>(0, 'GET', '/api/cart');
    assert.equal(cart.status, 200);
    assert.deepEqual(
      cart.body.lines.map((l) => [l.productId, l.quantity]),
      [[productId, 2]],
      'the cart filled through lb2 is seen through lb1',
    );

    const key = `it-${randomBytes(8).toString('hex')}`;
    const order = await shop.call<{ order: { id: number } }>(0, 'POST', '/api/checkout', {}, { 'idempotency-key': key });
    assert.equal(order.status, 201, JSON.stringify(order.body));
    const replay = await shop.call<{ order: { id: number }; replayed: boolean }>(1, 'POST', '/api/checkout', {}, { 'idempotency-key': key });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.order.id, order.body.order.id, 'the same idempotency key through the other LB gives the same order');

    const orders = await shop.call<{ orders: { id: number }[] }>(1, 'GET', '/api/orders');
    assert.ok(orders.body.orders.some((o) => o.id === order.body.order.id), 'the order is listed through lb2');

    const tls = await httpsGet(ports.lb2Https!, '/api/products?pageSize=1');
    assert.equal(tls.status, 200, 'HTTPS through lb2 (self-signed development certificate)');
    assert.ok(tls.servedBy);
  });

  test('Prometheus scrapes every service, and every metric the dashboards use exists', async () => {
    const prom = `http://127.0.0.1:${ports.prometheus}`;
    type Targets = { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
    const targets = await eventually('every Prometheus target up', async () => {
      const t = (await (await fetch(`${prom}/api/v1/targets`)).json()) as Targets;
      const active = t.data.activeTargets;
      const down = active.filter((x) => x.health !== 'up');
      assert.equal(down.length, 0, down.map((x) => `${x.labels.job}/${x.labels.instance}: ${x.health} ${x.lastError}`).join('; '));
      return active;
    }, 60_000, 250);
    const jobs = new Set(targets.map((t) => t.labels.job));
    assert.deepEqual([...jobs].sort(), ['db-proxy', 'dns', 'lb', 'prometheus', 'session', 'web']);
    assert.equal(targets.length, 9, targets.map((t) => t.labels.instance).join(', '));

    const metadata = (await (await fetch(`${prom}/api/v1/metadata`)).json()) as { data: Record<string, { type: string }[]> };
    const catalog = new MetricCatalog();
    catalog.addPrometheusMetadata(metadata.data, prom);
    const missing = missingDashboardMetrics(loadDashboardFiles(), catalog);
    assert.deepEqual(missing.map((m) => `${m.name} (${m.where})`), []);
  });

  test('scaling web to five replicas and back to two under load fails no request', async () => {
    const lbAdmins = [ports.lb1Admin!, ports.lb2Admin!];
    const poolSizes = async () => Promise.all(lbAdmins.map(async (p) => (await lbServers(p, token)).filter((s) => s.healthy && s.state === 'ready').length));
    const catalogue = await (await fetch(`${lbBases()[0]}/api/products?pageSize=100`)).json() as { items: { id: number }[] };
    const ids = catalogue.items.map((p) => p.id);
    assert.ok(ids.length > 0);
    const marks: string[] = [];
    const t0 = Date.now();
    const mark = (what: string) => marks.push(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const load = startLoad({
      bases: lbBases(),
      paths: (n) => (n % 3 === 0 ? `/api/products/${ids[n % ids.length]}` : `/api/products?page=${1 + (n % 40)}&pageSize=5`),
      concurrency: 6,
      pauseMs: 25,
    });
    try {
      await sleep(2000);
      const before = load.result.servedBy.size;

      mark('scale web=5');
      await stack.scale('web', 5);
      mark('5 containers up');
      assert.equal((await stack.containerIds('web')).length, 5);
      await eventually('both LBs list five ready web servers', async () => assert.deepEqual(await poolSizes(), [5, 5]), 180_000, 500);
      mark('5 servers in both pools');
      await eventually('the load reaches five replicas', async () => assert.ok(load.result.servedBy.size >= 5, `served by ${load.result.servedBy.size}`), 60_000, 500);

      mark('scale web=2');
      await stack.scale('web', 2);
      mark('2 containers left');
      assert.equal((await stack.containerIds('web')).length, 2);
      await eventually('both LBs list two web servers', async () => assert.deepEqual(await poolSizes(), [2, 2]), 120_000, 500);
      mark('2 servers in both pools');
      await sleep(3000);
      const result = await load.stop();
      const statuses = [...result.statuses].map(([s, c]) => `${s}×${c}`).join(' ');
      console.log(`# load: ${result.requests} requests (${statuses}), ${result.errors} without answer, served by ${result.servedBy.size} replicas (${before} before scaling); ${marks.join(', ')}`);
      assert.ok(result.requests > 100, `enough load ran (${result.requests})`);
      assert.equal(
        failedRequests(result),
        0,
        `failed requests (timeline ${marks.join(', ')}): ${[...result.failureSamples, ...result.errorSamples].join(' | ')}`,
      );
    } finally {
      await load.stop();
    }
  });

  test('killing db1 keeps writes going through both proxies, and db1 rejoins as a reader', async () => {
    const password = stack.env.SCALEOUT_DB_APP_PASSWORD!;
    const pools = [ports.proxy1!, ports.proxy2!].map((port) =>
      mysql.createPool({ host: '127.0.0.1', port, user: 'app', password, database: 'shop', connectionLimit: 2, connectTimeout: 5000 }),
    );
    const acked: string[] = [];
    const failures: string[] = [];
    const afterSwitch = [0, 0];
    let switched = false;
    let stop = false;
    const writer = async (i: number) => {
      const via = `proxy${i + 1}`;
      for (let n = 0; !stop; n++) {
        try {
          await pools[i]!.query({ sql: 'INSERT INTO failover_probe (via, n) VALUES (?, ?)', values: [via, n], timeout: 15_000 });
          acked.push(`${via}:${n}`);
          if (switched) afterSwitch[i] = (afterSwitch[i] ?? 0) + 1;
        } catch (err) {
          failures.push(`${via}:${n} ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.slice(0, 200));
          if (switched) afterSwitch[i] = 0;
        }
        await sleep(50);
      }
    };
    let writers: Promise<void>[] = [];
    const diagnostics = async () => {
      const backends = await Promise.all([ports.proxy1Admin!, ports.proxy2Admin!].map((p) => proxyBackends(p, token).catch((e: Error) => e.message)));
      return `acked ${acked.length}, failures ${failures.length} (${failures.slice(-3).join(' | ')}); backends ${JSON.stringify(backends)}`;
    };
    try {
      await pools[0]!.query({
        sql: 'CREATE TABLE IF NOT EXISTS failover_probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, via VARCHAR(8) NOT NULL, n INT NOT NULL, UNIQUE KEY (via, n))',
        timeout: 30_000,
      });
      for (const p of [ports.proxy1Admin!, ports.proxy2Admin!]) assert.equal(await proxyWriter(p, token), 'db1');

      writers = [writer(0), writer(1)];
      await eventually('writes acknowledged through both proxies before the kill', async () => {
        assert.ok(acked.some((k) => k.startsWith('proxy1:')) && acked.some((k) => k.startsWith('proxy2:')), await diagnostics());
      }, 60_000, 500);

      await stack.kill('db1');
      await eventually(
        'both proxies move the writer to db2',
        async () => {
          for (const p of [ports.proxy1Admin!, ports.proxy2Admin!]) assert.equal(await proxyWriter(p, token), 'db2');
        },
        90_000,
        250,
      );
      switched = true;
      await eventually(
        '20 consecutive writes through each proxy after the failover',
        async () => assert.ok(afterSwitch.every((c) => c >= 20), `${afterSwitch}; ${await diagnostics()}`),
        60_000,
        500,
      );
      stop = true;
      await Promise.all(writers);
      console.log(`# ${acked.length} writes acknowledged, ${failures.length} failed while db1 was being replaced${failures.length ? ': ' + failures.slice(0, 3).join(' | ') : ''}`);

      // No acknowledged write was lost: every one is on db2 (the only server left).
      const [rows] = await pools[1]!.query({ sql: 'SELECT via, n FROM failover_probe', timeout: 30_000 });
      const stored = new Set((rows as { via: string; n: number }[]).map((r) => `${r.via}:${r.n}`));
      const lost = acked.filter((k) => !stored.has(k));
      assert.deepEqual(lost, [], 'acknowledged writes missing after the failover');

      // The application path writes too (web → proxies → db2), once the web replicas' readiness
      // (which checks the database) has recovered and the LBs take them back.
      await eventually(
        'a signup through the LB after the failover',
        async () => {
          const shop = new ShopClient(lbBases());
          const signup = await shop.call(0, 'POST', '/api/signup', { username: `fo_${randomBytes(4).toString('hex')}`, password: 'integration-pw-2' });
          assert.equal(signup.status, 201, JSON.stringify(signup.body));
        },
        60_000,
        1000,
      );

      // db1 comes back read-only and the proxies keep db2 as the writer.
      await stack.start('db1');
      await eventually(
        'db1 back as a healthy reader',
        async () => {
          const backends = await proxyBackends(ports.proxy1Admin!, token);
          const db1 = backends.find((b) => b.name === 'db1');
          assert.equal(db1?.state, 'up', JSON.stringify(db1));
          assert.equal(db1?.role, 'reader', JSON.stringify(db1));
        },
        120_000,
        500,
      );
      for (const p of [ports.proxy1Admin!, ports.proxy2Admin!]) assert.equal(await proxyWriter(p, token), 'db2');
    } finally {
      stop = true;
      await Promise.race([Promise.all(writers), sleep(20_000)]);
      await Promise.race([Promise.all(pools.map((p) => p.end())), sleep(10_000)]);
    }
  });
});
