import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, parseLoadArgs, parseRateSpec, validateLoadSpec } from '../src/index.js';

function code(argv: string[]): string {
  try {
    parseLoadArgs(argv);
  } catch (err) {
    assert.ok(err instanceof LoadError, `not a LoadError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.code;
  }
  return 'ok';
}

test('get with a constant rate, ramps and steps', () => {
  const a = parseLoadArgs(['get', 'http://127.0.0.1:8080/api/products/1', '--rate', '2000/s', '--duration', '30s', '--json', 'out.json']);
  assert.deepEqual(a.spec.rate, { kind: 'constant', rate: 2000 });
  assert.equal(a.spec.durationMs, 30_000);
  assert.equal(a.spec.url, 'http://127.0.0.1:8080/api/products/1');
  assert.equal(a.json, 'out.json');
  assert.equal(a.spec.connections, 1000, 'open model: default cap');
  assert.deepEqual(parseLoadArgs(['get', 'http://127.0.0.1/', '--rate=100..5000/s over 60s']).spec.rate, { kind: 'ramp', from: 100, to: 5000, overMs: 60_000 });
  assert.deepEqual(parseLoadArgs(['get', 'http://127.0.0.1/', '--ramp', '10/s..1k/s over 1m']).spec.rate, { kind: 'ramp', from: 10, to: 1000, overMs: 60_000 });
  assert.deepEqual(parseLoadArgs(['get', 'http://127.0.0.1/', '--steps', '100/s for 10s, 500/s for 10s']).spec.rate, {
    kind: 'steps',
    steps: [{ rate: 100, forMs: 10_000 }, { rate: 500, forMs: 10_000 }],
  });
  assert.deepEqual(parseRateSpec('120/m'), { kind: 'constant', rate: 2 });
});

test('closed model, defaults, think time, requests, timeout, progress', () => {
  const a = parseLoadArgs(['get', 'http://localhost:9000/x?y=1', '--connections', '4', '--think', '0ms..200ms', '--requests', '500', '--timeout', '2s', '--progress']);
  assert.equal(a.spec.rate, undefined);
  assert.equal(a.spec.connections, 4);
  assert.deepEqual(a.spec.thinkMs, [0, 200]);
  assert.equal(a.spec.maxRequests, 500);
  assert.equal(a.spec.timeoutMs, 2000);
  assert.equal(a.spec.url, 'http://127.0.0.1:9000/x?y=1');
  assert.equal(a.spec.durationMs, 30_000);
  assert.equal(a.progress, true);
  assert.equal(parseLoadArgs(['get', 'http://127.0.0.1/']).spec.connections, 10);
});

test('shop: DNS defaults, --dns/--name/--http-port, --base-url, --mix', () => {
  const d = parseLoadArgs(['shop', '--rate', '500/s', '--duration', '60s']);
  assert.deepEqual(d.spec.dns, { server: '127.0.0.1', port: 5300, name: 'www.scaleout.test', httpPort: 8080 });
  const e = parseLoadArgs(['shop', '--rate', '50/s', '--dns', '127.0.0.53:53', '--name', 'shop.test', '--http-port', '80', '--mix', 'browse=50,checkout=10']);
  assert.deepEqual(e.spec.dns, { server: '127.0.0.53', port: 53, name: 'shop.test', httpPort: 80 });
  assert.deepEqual(e.spec.mix, { browse: 50, checkout: 10 });
  const b = parseLoadArgs(['shop', '--connections', '8', '--base-url', 'http://127.0.1.1:8080,http://127.0.1.2:8080/']);
  assert.deepEqual(b.spec.baseUrls, ['http://127.0.1.1:8080', 'http://127.0.1.2:8080']);
  assert.equal(b.spec.dns, undefined);
});

test('every bad input is a one-line LoadError with a stable code', () => {
  const cases: Array<[string[], string]> = [
    [[], 'LOAD_ERR_USAGE'],
    [['post', 'http://127.0.0.1/'], 'LOAD_ERR_WORKLOAD'],
    [['get'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', 'extra'], 'LOAD_ERR_USAGE'],
    [['shop', 'http://127.0.0.1/'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--bogus', '1'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--rate'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--rate', 'fast'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '0/s'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '100..200/s over 0s'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '100/s for 10s, oops'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '0/s for 10s'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '1000000/s'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '10..200k/s over 10s'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '50000/s', '--connections', '2'], 'LOAD_ERR_RATE'],
    [['shop', '--rate', '6000/s'], 'LOAD_ERR_RATE'],
    [['shop', '--rate', '4000/s', '--connections', '2'], 'LOAD_ERR_RATE'],
    [['get', 'http://127.0.0.1/', '--rate', '1/s', '--ramp', '1..2/s over 1s'], 'LOAD_ERR_USAGE'],
    [['get', 'http://10.0.0.1/'], 'LOAD_ERR_TARGET'],
    [['get', 'http://example.com/'], 'LOAD_ERR_TARGET'],
    [['get', 'https://127.0.0.1/'], 'LOAD_ERR_TARGET'],
    [['get', 'not a url'], 'LOAD_ERR_TARGET'],
    [['shop', '--base-url', 'http://192.168.1.1:8080'], 'LOAD_ERR_TARGET'],
    [['shop', '--dns', '8.8.8.8:53'], 'LOAD_ERR_TARGET'],
    [['shop', '--dns', '127.0.0.1'], 'LOAD_ERR_USAGE'],
    [['shop', '--dns', '127.0.0.1:5300', '--base-url', 'http://127.0.1.1:8080'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--dns', '127.0.0.1:5300'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--duration', 'forever'], 'LOAD_ERR_DURATION'],
    [['get', 'http://127.0.0.1/', '--duration', '0s'], 'LOAD_ERR_DURATION'],
    [['get', 'http://127.0.0.1/', '--duration', '2h'], 'LOAD_ERR_DURATION'],
    [['get', 'http://127.0.0.1/', '--duration', '1s', '--duration', '2s'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--connections', '0'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--connections', 'many'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--requests', '-5'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--timeout', '0ms'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--think', '200ms..100ms'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--think', 'soon'], 'LOAD_ERR_USAGE'],
    [['get', 'http://127.0.0.1/', '--mix', 'browse=1'], 'LOAD_ERR_USAGE'],
    [['shop', '--mix', 'browse=50,dance=5'], 'LOAD_ERR_MIX'],
    [['shop', '--mix', 'browse'], 'LOAD_ERR_MIX'],
    [['shop', '--mix', 'browse=0'], 'LOAD_ERR_MIX'],
    [['get', 'http://127.0.0.1/', '--progress=yes'], 'LOAD_ERR_USAGE'],
  ];
  for (const [argv, expected] of cases) assert.equal(code(argv), expected, argv.join(' '));
});

test('validateLoadSpec checks specs built in code too', () => {
  assert.throws(() => validateLoadSpec({ workload: 'get', durationMs: 1000 }), { code: 'LOAD_ERR_USAGE' });
  assert.throws(() => validateLoadSpec({ workload: 'nope' as 'get', durationMs: 1000 }), { code: 'LOAD_ERR_WORKLOAD' });
  assert.throws(() => validateLoadSpec({ workload: 'get', url: 'http://127.0.0.1/', durationMs: NaN }), { code: 'LOAD_ERR_DURATION' });
  assert.throws(() => validateLoadSpec({ workload: 'get', url: 'http://127.0.0.1/', durationMs: 1000, rate: { kind: 'steps', steps: [] } }), { code: 'LOAD_ERR_RATE' });
  assert.throws(() => validateLoadSpec({ workload: 'shop', durationMs: 1000, dns: { server: '1.1.1.1', port: 53, name: 'x', httpPort: 80 } }), { code: 'LOAD_ERR_TARGET' });
  const ok = validateLoadSpec({ workload: 'shop', durationMs: 1000 });
  assert.equal(ok.timeoutMs, 5000);
  assert.equal(ok.dns!.server, '127.0.0.1');
});
