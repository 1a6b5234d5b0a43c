import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoad, formatResult, formatSecond, type IntervalStats } from '../src/index.js';
import { freePort } from '@scaleout/testing';
import { listen } from './support/test-server.js';

test('errors by kind: 4xx, 5xx, timeout, reset, parse, connect', async (t) => {
  const server = await listen((req, res) => {
    if (req.url === '/404') res.writeHead(404).end('no');
    else if (req.url === '/500') res.writeHead(500).end('oops');
    else if (req.url === '/hang') return; // never answers
    else if (req.url === '/reset') req.socket.destroy();
    else if (req.url === '/garbage') req.socket.end('SMTP ready\r\n\r\n');
    else res.end('ok');
  });
  t.after(() => server.close());
  const run = (path: string, extra: object = {}) =>
    startLoad({ workload: 'get', url: `${server.url}${path}`, connections: 2, durationMs: 400, timeoutMs: 150, ...extra }).done;
  const four = await run('/404');
  assert.ok(four.errorsByKind.http_4xx! > 0 && four.errors === four.errorsByKind.http_4xx);
  const five = await run('/500');
  assert.ok(five.errorsByKind.http_5xx! > 0 && five.errors === five.errorsByKind.http_5xx);
  const hang = await run('/hang');
  assert.ok(hang.errorsByKind.timeout! >= 2, JSON.stringify(hang.errorsByKind));
  assert.equal(hang.completed, 0);
  const reset = await run('/reset');
  assert.ok(reset.errorsByKind.reset! > 0, JSON.stringify(reset.errorsByKind));
  const garbage = await run('/garbage');
  assert.ok(garbage.errorsByKind.parse! > 0, JSON.stringify(garbage.errorsByKind));
  const port = await freePort(); // nothing listens on it
  const refused = await startLoad({ workload: 'get', url: `http://127.0.0.1:${port}/`, rate: { kind: 'constant', rate: 50 }, durationMs: 300 }).done;
  assert.ok(refused.errorsByKind.connect! >= 10, JSON.stringify(refused.errorsByKind));
  assert.equal(refused.completed, 0);
});

test('a run stops by itself at --requests, emits seconds, and stop() aborts', async (t) => {
  let keepAlive = 0;
  const server = await listen((req, res) => {
    if (req.headers.connection !== 'close') keepAlive++;
    res.end('ok');
  });
  t.after(() => server.close());
  const counted = await startLoad({ workload: 'get', url: `${server.url}/`, connections: 3, durationMs: 30_000, maxRequests: 500 }).done;
  assert.equal(counted.stopped, 'requests');
  assert.equal(counted.completed, 500);
  assert.equal(keepAlive, 500);
  assert.ok(counted.generator.maxConnections <= 3);

  const capped = await startLoad({ workload: 'get', url: `${server.url}/`, rate: { kind: 'constant', rate: 1000 }, durationMs: 30_000, maxRequests: 300 }).done;
  assert.equal(capped.stopped, 'requests');
  assert.equal(capped.sent, 300);

  const run = startLoad({ workload: 'get', url: `${server.url}/`, rate: { kind: 'ramp', from: 100, to: 300, overMs: 2000 }, durationMs: 30_000 });
  const seconds: IntervalStats[] = [];
  run.on('second', (s) => seconds.push(s));
  await new Promise<void>((resolve) => run.on('second', (s) => s.second === 2 && resolve()));
  assert.equal(run.latest()?.second, 2);
  run.stop();
  const r = await run.done;
  assert.equal(r.stopped, 'aborted');
  assert.ok(r.durationMs < 5000);
  assert.ok(Math.abs(seconds[0]!.targetRate - 150) < 2, `first second target ${seconds[0]!.targetRate}`);
  assert.ok(Math.abs(seconds[1]!.targetRate - 250) < 2, `second second target ${seconds[1]!.targetRate}`);
  assert.ok(Math.abs(seconds[0]!.sent - 150) <= 15, `sent ${seconds[0]!.sent}`);
  const line = formatSecond(seconds[0]!);
  assert.match(line, /^\[ +1s\] \d+ of 150 req\/s {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms/);
  assert.ok(!line.includes('\n'));
  const table = formatResult(r);
  assert.match(table, /open model/);
  assert.match(table, /p99\.9/);
  assert.match(table, /generator: /);
});

test('the generator marks a second it could not send on time as not measurable', async (t) => {
  const server = await listen((_req, res) => res.end('ok'));
  t.after(() => server.close());
  const run = startLoad({ workload: 'get', url: `${server.url}/`, rate: { kind: 'constant', rate: 200 }, durationMs: 3000 });
  // Block the event loop for 300 ms in the second second: the generator itself is late.
  setTimeout(() => {
    const until = performance.now() + 300;
    while (performance.now() < until);
  }, 1300);
  const r = await run.done;
  const bad = r.perSecond.find((s) => !s.valid);
  assert.ok(bad, 'a second is not measurable');
  assert.match(bad.reason!, /generator late/);
  assert.equal(r.generator.valid, false);
  assert.ok(r.generator.lateP99Ms > 10);
  assert.match(formatSecond(bad), /NOT MEASURABLE/);
  assert.match(formatResult(r), /NOT MEASURABLE/);
});
