import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@scaleout/testing';
import { loadCommand, type LoadResult } from '../src/index.js';
import { listen } from './support/test-server.js';

function sinks() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream,
    },
  };
}

test('bad input: one line on stderr, exit 2, nothing started', async (t) => {
  let hits = 0;
  const server = await listen((_req, res) => {
    hits++;
    res.end('ok');
  });
  t.after(() => server.close());
  const cases: Array<[string[], RegExp]> = [
    [['dance'], /^scaleout load: LOAD_ERR_WORKLOAD: unknown workload "dance"/],
    [['get', `${server.url}/`, '--rate', '500000/s'], /^scaleout load: LOAD_ERR_RATE: rate 500000\/s is more than this generator can send/],
    [['get', 'http://93.184.216.34/'], /^scaleout load: LOAD_ERR_TARGET: target 93\.184\.216\.34 is outside 127\.0\.0\.0\/8/],
    [['get'], /^scaleout load: LOAD_ERR_USAGE: missing URL/],
  ];
  for (const [argv, re] of cases) {
    const s = sinks();
    assert.equal(await loadCommand(argv, s.io), 2, argv.join(' '));
    assert.equal(s.err.length, 1);
    assert.match(s.err[0]!, re);
    assert.ok(s.err[0]!.endsWith('\n') && s.err[0]!.indexOf('\n') === s.err[0]!.length - 1, 'one line');
    assert.equal(s.out.length, 0);
  }
  assert.equal(hits, 0);
});

test('a run prints progress and the table, writes --json, exits 0; errors exit 1', async (t) => {
  const server = await listen((req, res) => (req.url === '/bad' ? res.writeHead(503).end() : res.end('ok')));
  t.after(() => server.close());
  const file = join(tempDir(), 'run.json');
  const s = sinks();
  const code = await loadCommand(['get', `${server.url}/`, '--rate', '200/s', '--duration', '2s', '--progress', '--json', file], s.io);
  const result = JSON.parse(readFileSync(file, 'utf8')) as LoadResult;
  assert.equal(result.spec.workload, 'get');
  assert.ok(result.completed > 350, `completed ${result.completed}`);
  assert.equal(result.perSecond.length >= 2, true);
  assert.ok(s.err.filter((l) => /^\[ +\d+s\] /.test(l)).length >= 2, s.err.join(''));
  assert.match(s.out.join(''), /achieved [\d.]+ req\/s {2}target 200 req\/s/);
  assert.equal(code, result.generator.valid ? 0 : 1);

  const j = sinks();
  assert.equal(await loadCommand(['get', `${server.url}/bad`, '--connections', '1', '--duration', '300ms', '--json', '-'], j.io), 1);
  const parsed = JSON.parse(j.out.join('')) as LoadResult;
  assert.ok(parsed.errorsByKind.http_5xx! > 0);
  assert.match(j.err.join(''), /errors \d+ \(http_5xx \d+\)/);
});
