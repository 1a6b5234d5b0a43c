// The scenarios (issue 12): each runs with --quick and its report's figures are checked against an
// independent measurement (the load generator's own JSON, rows read from the surviving database by
// this test); bad input gets one-line errors; a report opens in Chromium with its charts and no
// console error. Screenshots land in $SCALEOUT_TEST_ARTIFACTS (default: a temp folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { launchChromium } from '@scaleout/testing';
import { listenersInUse, runScenario, SCENARIOS } from '@scaleout/stack';

const bin = fileURLToPath(new URL('../../apps/stack/bin/scaleout.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'scaleout-scenarios-'));
const shots = process.env.SCALEOUT_TEST_ARTIFACTS ? join(process.env.SCALEOUT_TEST_ARTIFACTS, 'scenarios') : join(work, 'shots');
mkdirSync(shots, { recursive: true });

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], onLine?: (line: string) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      for (const l of String(d).split('\n')) if (l) onLine?.(l);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

interface PerSecond {
  second: number;
  errors: number;
  completed: number;
}

test('bad input: unknown scenario and a non-empty --out are refused with one line, nothing started', async () => {
  const list = await cli(['scenario', 'list']);
  assert.equal(list.code, 0);
  for (const s of SCENARIOS) assert.match(list.stdout, new RegExp(`^${s.name} `, 'm'));

  const unknown = await cli(['scenario', 'run', 'no-such-scenario', '--quick']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
  assert.equal(unknown.stderr.trim(), `scaleout: unknown scenario "no-such-scenario"; known: ${SCENARIOS.map((s) => s.name).join(', ')} [SCENARIO_ERR_UNKNOWN]`);

  const full = join(work, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'mine');
  const notEmpty = await cli(['scenario', 'run', 'server-dies', '--quick', '--out', full]);
  assert.equal(notEmpty.code, 1);
  assert.equal(notEmpty.stderr.trim().split('\n').length, 1, notEmpty.stderr);
  assert.match(notEmpty.stderr, /exists and is not empty.*\[SCENARIO_ERR_OUT_NOT_EMPTY\]/);
  assert.deepEqual(readdirSync(full), ['keep.txt'], 'the folder was left alone');
  assert.deepEqual(await listenersInUse('127.131'), [], 'no stack was started');
});

test('server-dies --quick: the failed counts in the report are the load generator\'s; a second run on the same addresses is refused', async () => {
  const out = join(work, 'server-dies');
  let second: Promise<CliRun> | undefined;
  const run = await cli(['scenario', 'run', 'server-dies', '--quick', '--out', out], (line) => {
    // While the first run's stack is up, the same scenario again must refuse (its addresses are taken).
    if (!second && /stack up after/.test(line)) second = cli(['scenario', 'run', 'server-dies', '--quick', '--out', join(work, 'server-dies-2')]);
  });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.ok(second, 'the second run was started while the first one ran');
  const refused = await second;
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /already runs on the scenario's addresses 127\.131\.x\.y.*\[SCENARIO_ERR_ADDRESS_IN_USE\]/);
  assert.equal(existsSync(join(work, 'server-dies-2', 'report.md')), false);

  for (const f of ['report.md', 'report.html', 'result.json', 'load.json', 'load-requests.svg', 'attempts-per-server.svg', 'latency.svg', 'stack-headline.svg']) assert.ok(existsSync(join(out, f)), f);
  const result = readJson<{
    durationSeconds: number;
    marks: { t: number; label: string }[];
    figures: { faults: { victim: string; atSeconds: number; windowSeconds: number; failed: number; markedDownAfter: Record<string, number | null>; dnsDroppedAfter?: number | null; retried: number | null }[]; load: { failed: number; sent: number } };
  }>(join(out, 'result.json'));
  const load = readJson<{ errors: number; sent: number; perSecond: PerSecond[]; failedJourneys: number }>(join(out, 'load.json'));
  // The whole run: the report's failed count is the generator's.
  assert.equal(result.figures.load.failed, load.errors);
  assert.equal(result.figures.load.sent, load.sent);
  assert.equal(load.perSecond.reduce((a, s) => a + s.errors, 0), load.errors, 'every failure is in a second');
  // Per fault: recomputed here from the generator's seconds and the marks.
  for (const f of result.figures.faults) {
    const secs = load.perSecond.filter((s) => s.second - 0.5 > f.atSeconds && s.second - 0.5 <= f.atSeconds + f.windowSeconds);
    assert.equal(f.failed, secs.reduce((a, s) => a + s.errors, 0), `${f.victim}: failed in its window`);
  }
  const byVictim = Object.fromEntries(result.figures.faults.map((f) => [f.victim, f]));
  assert.deepEqual(Object.keys(byVictim).sort(), ['lb2', 'web1', 'web2']);
  assert.ok(result.marks.some((m) => m.label === 'kill -9 web1'));
  // The LBs noticed each dead web replica within the window, and DNS dropped the dead LB.
  for (const v of ['web1', 'web2']) for (const lb of ['lb1', 'lb2']) assert.notEqual(byVictim[v]!.markedDownAfter[lb], null, `${lb} marked ${v} down`);
  assert.notEqual(byVictim.lb2!.dnsDroppedAfter, null, 'DNS stopped answering lb2');
  assert.ok(byVictim.lb2!.failed > 0, 'clients holding a dead LB address fail: the measurement can see failures');
  // The report shows the same numbers.
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, new RegExp(`\\| whole run \\| \\d+ \\| ${load.errors} \\|`));
  assert.match(md, new RegExp(`counted ${load.errors} failed requests`));
  console.log(`server-dies --quick took ${result.durationSeconds.toFixed(1)} s`);
});

test('db-failover --quick: 0 acknowledged writes lost, checked by this test on the surviving database', async () => {
  const out = join(work, 'db-failover');
  let checked: { survivor: string; ids: Set<number> } | undefined;
  const run = await runScenario({
    name: 'db-failover',
    quick: true,
    out,
    print: () => undefined,
    beforeDown: async (stack) => {
      // Independently of the scenario: ask the stack which db is running and read its rows directly.
      const alive = stack.supervisor.status().filter((s) => s.service === 'db' && s.state === 'running');
      assert.equal(alive.length, 1, 'one master was killed');
      const [host, port] = alive[0]!.address.split(':');
      const c = await mysql.createConnection({ host, port: Number(port), user: 'app', password: 'app', database: 'shop' });
      try {
        const [rows] = await c.query('SELECT id FROM scenario_writes');
        checked = { survivor: alive[0]!.name, ids: new Set((rows as { id: string | number }[]).map((r) => Number(r.id))) };
      } finally {
        await c.end();
      }
    },
  });
  assert.ok(checked);
  const result = readJson<{ figures: { totals: { acknowledged: number; lost: number; survivor: string; rowsOnSurvivor: number; errors: number }; events: { event: string; outageSeconds: number; errors: number; writerBefore: string; writerAfter: string }[] } }>(join(out, 'result.json'));
  const writes = readJson<{ records: { id: number; ackAt?: number; errorAt?: number }[] }>(join(out, 'writes.json'));
  const acked = writes.records.filter((r) => r.ackAt !== undefined);
  const lost = acked.filter((r) => !checked!.ids.has(r.id));
  assert.equal(lost.length, 0, `acknowledged but missing: ${lost.slice(0, 5).map((r) => r.id).join(', ')}`);
  assert.equal(result.figures.totals.lost, lost.length);
  assert.equal(result.figures.totals.acknowledged, acked.length);
  assert.equal(result.figures.totals.survivor, checked.survivor);
  assert.equal(result.figures.totals.rowsOnSurvivor, checked.ids.size);
  assert.ok(acked.length > 500, `a real write load: ${acked.length} acknowledged`);
  const [sw, fo] = result.figures.events;
  assert.equal(sw!.writerAfter, fo!.writerBefore);
  assert.notEqual(fo!.writerBefore, fo!.writerAfter, 'the writer moved after the kill');
  assert.ok(fo!.outageSeconds > 0);
  console.log(`db-failover --quick took ${run.durationSeconds.toFixed(1)} s`);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /No acknowledged write was lost/);
});

test('power-user --quick: each policy\'s normal p99 in the report is the load generator\'s; lb1 ran the policy it says', async () => {
  const out = join(work, 'power-user');
  const run = await cli(['scenario', 'run', 'power-user', '--quick', '--out', out]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const result = readJson<{ figures: { policies: { policy: string; algorithm: string; maxconn: number; normal: { p99Ms: number; sent: number; errors: number; file: string }; heavy: { completed: number; file: string } | null; perReplica: Record<string, number> }[] } }>(join(out, 'result.json'));
  const policies = result.figures.policies;
  assert.deepEqual(policies.map((p) => p.policy), ['reference', 'roundrobin', 'leastconn', 'leastconn-maxconn']);
  const expected: Record<string, [string, number]> = { reference: ['roundrobin', 0], roundrobin: ['roundrobin', 0], leastconn: ['leastconn', 0], 'leastconn-maxconn': ['leastconn', 1] };
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  for (const p of policies) {
    const normal = readJson<{ latency: { p99Ms: number }; sent: number; errors: number }>(join(out, p.normal.file));
    assert.equal(p.normal.p99Ms, normal.latency.p99Ms, `${p.policy}: p99 is the generator's`);
    assert.equal(p.normal.sent, normal.sent);
    assert.equal(p.normal.errors, normal.errors);
    assert.deepEqual([p.algorithm, p.maxconn], expected[p.policy], `${p.policy}: what lb1 reports`);
    const attempts = Object.values(p.perReplica).reduce((a, b) => a + b, 0);
    const heavy = p.heavy ? readJson<{ completed: number; errors: number }>(join(out, p.heavy.file)) : { completed: 0, errors: 0 };
    assert.ok(attempts >= normal.sent - normal.errors + heavy.completed, `${p.policy}: lb1 counted every request (${attempts} attempts)`);
    assert.ok(md.includes(`| ${String(+normal.latency.p99Ms.toFixed(normal.latency.p99Ms >= 100 ? 0 : 2))} |`), `${p.policy}: the table shows p99 ${normal.latency.p99Ms}`);
  }
  const [reference, roundRobin] = policies;
  assert.equal(reference!.heavy, null, 'the reference has no power user');
  assert.ok(roundRobin!.heavy!.completed > 0, 'the power user was served');
  assert.ok(roundRobin!.normal.p99Ms > reference!.normal.p99Ms, 'under round robin the heavy requests show in the normal users\' p99');
});

test('a report in Chromium: every chart drawn, no console errors (screenshot saved)', async () => {
  const out = join(work, 'server-dies');
  assert.ok(existsSync(join(out, 'report.html')), 'the server-dies test wrote its report');
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    const charts = await page.$$eval('figure.chart svg', (els) => els.map((e) => ({ id: e.getAttribute('data-chart'), paths: [...e.querySelectorAll('path.series')].map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1), marks: e.querySelectorAll('line.mark').length })));
    assert.deepEqual(charts.map((c) => c.id).sort(), ['attempts-per-server', 'latency', 'load-requests', 'stack-headline']);
    for (const c of charts) {
      assert.ok(c.paths.length >= 1 && c.paths.every((n) => n >= 5), `${c.id}: every line has points (${c.paths.join(', ')})`);
      assert.ok(c.marks >= 3, `${c.id}: the scripted faults are drawn`);
    }
    assert.ok((await page.locator('#results tbody tr').count()) >= 4);
    await page.screenshot({ path: join(shots, 'server-dies-report.png'), fullPage: true });
    console.log(`screenshot: ${join(shots, 'server-dies-report.png')}`);
  } finally {
    await browser.close();
  }
  assert.deepEqual(errors, []);
});
