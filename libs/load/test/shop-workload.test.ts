import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '@scaleout/testing';
import { LoadError, loadCommand, startLoad } from '../src/index.js';
import { fakeDns, fakeShop } from './support/fake-shop.js';

const NAME = 'www.scaleout.test';

test('shop journeys through DNS: spread over both LBs, re-resolved after the TTL, cookies per user, out of stock apart', async (t) => {
  const port = await freePort('127.0.0.21');
  const sessions = new Map();
  const lb1 = await fakeShop('127.0.0.21', port, { sessions });
  const lb2 = await fakeShop('127.0.0.22', port, { sessions });
  const dns = await fakeDns(NAME, () => ['127.0.0.21', '127.0.0.22'], 1);
  t.after(async () => {
    await lb1.close();
    await lb2.close();
    await dns.close();
  });
  const r = await startLoad({
    workload: 'shop',
    dns: { server: '127.0.0.1', port: dns.port, name: NAME, httpPort: port },
    rate: { kind: 'constant', rate: 60 },
    durationMs: 3000,
    thinkMs: [0, 5],
    mix: { browse: 30, search: 10, signup: 10, login: 10, cart: 15, checkout: 20, orders: 5 },
  }).done;
  t.diagnostic(JSON.stringify({ journeys: r.journeys, targets: r.targets, errors: r.errorsByKind, notes: r.generator.notes }));
  assert.equal(r.unit, 'journeys');
  assert.equal(r.failedJourneys, 0, JSON.stringify(r.errorsByKind));
  assert.equal(r.errors, 0);
  assert.ok(Math.abs(r.sent - 180) <= 5, `journeys started ${r.sent}`);
  assert.equal(r.completed, r.sent);
  for (const name of ['browse', 'search', 'signup', 'login', 'cart', 'checkout', 'orders']) {
    const j = r.journeys![name]!;
    assert.ok(j.started > 0, `${name} started`);
    assert.equal(j.ok + (j.outOfStock ?? 0), j.started, name);
    assert.ok(j.latency.p50Ms > 0);
  }
  const co = r.journeys!.checkout!;
  assert.ok(co.outOfStock! > 0, 'every 4th checkout is out of stock: reported on its own');
  // Both LB addresses got a share; the answer was asked for again after its 1 s TTL.
  const t1 = r.targets![`127.0.0.21:${port}`] ?? 0;
  const t2 = r.targets![`127.0.0.22:${port}`] ?? 0;
  assert.ok(t1 > 40 && t2 > 40, `spread ${t1}/${t2}`);
  assert.ok(dns.queries >= 3, `DNS queries ${dns.queries}`);
  assert.ok((lb1.hits.get('GET /products') ?? 0) > 0 && (lb2.hits.get('POST /api/login') ?? 0) > 0);
  assert.equal(r.steps!.checkout!.ok + r.steps!.checkout!.failed, co.started);
  assert.ok(r.requests! > r.sent * 2);
  assert.match(r.generator.notes.join('\n'), /journeys\/s/);
});

test('a shop journey fails when a step fails, with the kind of the failure; an unreachable shop is an error', async (t) => {
  const shop = await fakeShop('127.0.0.1', 0, { failCart: true });
  t.after(() => shop.close());
  const base = [`http://127.0.0.1:${shop.port}`];
  const r = await startLoad({ workload: 'shop', baseUrls: base, connections: 2, durationMs: 500, mix: { cart: 1, browse: 1 } }).done;
  const cart = r.journeys!.cart!;
  assert.ok(cart.started > 0 && cart.failed === cart.started && cart.ok === 0, JSON.stringify(cart));
  assert.equal(r.journeys!.browse!.failed, 0);
  assert.equal(r.failedJourneys, cart.failed);
  assert.equal(r.errorsByKind.http_5xx, cart.failed);
  assert.equal(r.steps!.cart_add!.failed, cart.failed);
  assert.equal(r.steps!.login?.failed ?? 0, 0, 'members were signed in before the clock: the journey failed at its cart step');
  assert.equal(r.steps!.cart, undefined, 'the journey stopped at the failed step');
  await shop.close();
  const gone = await startLoad({ workload: 'shop', baseUrls: base, connections: 2, durationMs: 300 }).done.catch((e: unknown) => e);
  assert.ok(gone instanceof LoadError && gone.code === 'LOAD_ERR_SHOP', String(gone));
});

test('a DNS answer outside 127.0.0.0/8 aborts the run, at the start or later', async (t) => {
  const shop = await fakeShop('127.0.0.1');
  let answer = ['10.1.2.3'];
  const dns = await fakeDns(NAME, () => answer, 1);
  t.after(async () => {
    await shop.close();
    await dns.close();
  });
  const spec = { workload: 'shop' as const, dns: { server: '127.0.0.1', port: dns.port, name: NAME, httpPort: shop.port }, rate: { kind: 'constant' as const, rate: 20 }, durationMs: 4000 };
  const first = await startLoad(spec).done.catch((e: unknown) => e);
  assert.ok(first instanceof LoadError && first.code === 'LOAD_ERR_TARGET', String(first));
  assert.match(first.message, /10\.1\.2\.3.*outside 127\.0\.0\.0\/8/);
  assert.equal(shop.hits.size, 0, 'nothing was sent');

  answer = ['127.0.0.1'];
  const run = startLoad(spec);
  setTimeout(() => (answer = ['127.0.0.1', '192.0.2.7']), 300);
  const later = await run.done.catch((e: unknown) => e);
  assert.ok(later instanceof LoadError && later.code === 'LOAD_ERR_TARGET', String(later));

  const out: string[] = [];
  const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
  answer = ['10.9.9.9'];
  const code = await loadCommand(['shop', '--rate', '10/s', '--duration', '2s', '--dns', `127.0.0.1:${dns.port}`, '--http-port', String(shop.port)], { stdout: sink, stderr: sink });
  assert.equal(code, 1);
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^scaleout load: LOAD_ERR_TARGET: .*\n$/);
});
