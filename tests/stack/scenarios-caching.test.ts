// The caching and autoscaling scenarios (issues 13, 14): page-cache, query-cache and autoscale run with
// --quick and their reports' figures are checked against measurements this test makes itself (the load
// generator's JSON files, the LBs' /metrics and SHOW GLOBAL STATUS read directly before the stack stops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runScenario } from '@scaleout/stack';

const work = mkdtempSync(join(tmpdir(), 'scaleout-scenarios-caching-'));
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

interface LoadJson {
  sent: number;
  completed: number;
  errors: number;
  latency: { p99Ms: number };
  perSecond: { completed: number; p99Ms: number }[];
}

/** Sum of a counter's series whose labels match, from Prometheus text. */
function counter(text: string, name: string, labelMatch: (labels: string) => boolean = () => true): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+-]+)$`).exec(line);
    if (m && labelMatch(m[1] ?? '')) sum += Number(m[2]);
  }
  return sum;
}

test('page-cache --quick: completed counts are the load JSONs\', the LB hits are what the LBs\' own /metrics count', { timeout: 180_000 }, async () => {
  const out = join(work, 'page-cache');
  let lbHits = 0;
  let lbLookups = 0;
  await runScenario({
    name: 'page-cache',
    quick: true,
    out,
    print: () => undefined,
    beforeDown: async (_stack, net) => {
      // Since their last restart (the "on" phase's), both LBs' page-cache counters, read here.
      for (const n of [1, 2]) {
        const text = await (await fetch(`http://${net}.1.${n}:8404/metrics`)).text();
        lbHits += counter(text, 'scaleout_lb_cache_requests_total', (l) => /result="(hit|stale)"/.test(l)) + counter(text, 'scaleout_lb_cache_coalesced_total');
        lbLookups += counter(text, 'scaleout_lb_cache_requests_total', (l) => !/result="bypass"/.test(l)) + counter(text, 'scaleout_lb_cache_coalesced_total');
      }
    },
  });
  const result = readJson<{ figures: { phases: { phase: string; completed: number; errors: number; p99Ms: number; lbCache: { hits: number; lookups: number; hitRatio: number | null }; stack: { webCpuCores: number | null } }[] } }>(join(out, 'result.json'));
  const [off, on] = result.figures.phases;
  assert.equal(off!.phase, 'off');
  assert.equal(on!.phase, 'on');
  for (const f of result.figures.phases) {
    const loads = [1, 2].map((i) => readJson<LoadJson>(join(out, `load-${f.phase}-${i}.json`)));
    assert.equal(f.completed, loads[0]!.completed + loads[1]!.completed, `${f.phase}: completed`);
    assert.equal(f.errors, loads[0]!.errors + loads[1]!.errors, `${f.phase}: errors`);
    assert.equal(f.p99Ms, Math.max(loads[0]!.latency.p99Ms, loads[1]!.latency.p99Ms), `${f.phase}: p99`);
    assert.ok(f.completed > 0);
  }
  assert.equal(off!.lbCache.lookups, 0, 'LB_CACHE=false: no lookups');
  // The LBs' counters also hold the "on" warm-up: the report's hits are at most them, and the gap at most the warm-up's requests.
  const warm = [1, 2].map((i) => readJson<LoadJson>(join(out, `warmup-on-${i}.json`))).reduce((a, l) => a + l.completed, 0);
  assert.ok(on!.lbCache.hits <= lbHits, `report ${on!.lbCache.hits} hits ≤ the LBs' ${lbHits}`);
  assert.ok(lbHits - on!.lbCache.hits <= warm, `the gap ${lbHits - on!.lbCache.hits} is at most the warm-up's ${warm} requests`);
  assert.ok(on!.lbCache.lookups <= lbLookups);
  assert.ok(on!.lbCache.hitRatio !== null && on!.lbCache.hitRatio > 0.9, `two URLs repeated: nearly every lookup hits (${on!.lbCache.hitRatio})`);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.ok(md.includes(`${on!.p99Ms.toFixed(1)} ms`), 'the conclusion quotes the measured p99');
});

test('query-cache --quick: Qcache_hits in the report match SHOW GLOBAL STATUS read directly; none while off', { timeout: 180_000 }, async () => {
  const out = join(work, 'query-cache');
  const direct: Record<string, { hits: number; size: number }> = {};
  await runScenario({
    name: 'query-cache',
    quick: true,
    out,
    print: () => undefined,
    beforeDown: async (_stack, net) => {
      for (const n of [1, 2]) {
        const c = await mysql.createConnection({ host: `${net}.6.${n}`, port: 3306, user: 'scaleout', password: 'scaleout' });
        try {
          const [s] = await c.query("SHOW GLOBAL STATUS LIKE 'Qcache_hits'");
          const [v] = await c.query("SHOW GLOBAL VARIABLES LIKE 'query_cache_type'");
          const [z] = await c.query("SHOW GLOBAL VARIABLES LIKE 'query_cache_size'");
          assert.equal((v as { Value: string }[])[0]!.Value, 'ON', 'the stack started with the query cache on');
          direct[`db${n}`] = { hits: Number((s as { Value: string }[])[0]!.Value), size: Number((z as { Value: string }[])[0]!.Value) };
        } finally {
          await c.end();
        }
      }
    },
  });
  type Phase = { id: string; cache: string; readsCompleted: number; readErrors: number; readP99Ms: number; writes: { ok: number } | null; queryCacheSizeBytes: number[]; qcache: { Qcache_hits: number }; qcacheAfter: Record<string, { Qcache_hits: number }> };
  const result = readJson<{ figures: { phases: Phase[] } }>(join(out, 'result.json'));
  const phases = result.figures.phases;
  assert.deepEqual(phases.map((p) => p.id), ['ro-off', 'ro-on', 'rw-off', 'rw-on']);
  for (const p of phases) {
    const loads = [1, 2].map((i) => readJson<LoadJson>(join(out, `reads-${p.id}-${i}.json`)));
    assert.equal(p.readsCompleted, loads[0]!.completed + loads[1]!.completed, `${p.id}: reads`);
    assert.equal(p.readErrors, loads[0]!.errors + loads[1]!.errors);
    if (p.cache === 'off') {
      assert.deepEqual(p.queryCacheSizeBytes, [0, 0]);
      assert.equal(p.qcache.Qcache_hits, 0, `${p.id}: no hit while the cache is off`);
    } else assert.ok(p.queryCacheSizeBytes.every((s) => s > 0));
  }
  assert.ok(phases[1]!.qcache.Qcache_hits > 0, 'read-only with the cache on: hits');
  assert.ok(phases[3]!.writes && phases[3]!.writes.ok > 0, 'the write mix wrote');
  // The report's last reading against this test's own, taken after it (nothing but health checks in between).
  const last = phases[3]!.qcacheAfter;
  for (const db of ['db1', 'db2']) {
    assert.ok(direct[db]!.size > 0, `${db}: the last phase left the cache on`);
    assert.ok(direct[db]!.hits >= last[db]!.Qcache_hits, `${db}: ${direct[db]!.hits} ≥ ${last[db]!.Qcache_hits}`);
    assert.ok(direct[db]!.hits - last[db]!.Qcache_hits <= 20, `${db}: the report's Qcache_hits is the server's (${last[db]!.Qcache_hits} vs ${direct[db]!.hits})`);
  }
});

test('autoscale --quick: failed requests and SLO seconds are the load JSONs\', the fixed phase spends fixed × duration', { timeout: 180_000 }, async () => {
  const out = join(work, 'autoscale');
  await runScenario({ name: 'autoscale', quick: true, out, print: () => undefined });
  type Phase = { mode: string; file: string; completed: number; failed: number; sloViolations: number; seconds: number; replicaSeconds: number; peakReplicas: number };
  const result = readJson<{ figures: { phases: Phase[]; sloMs: number }; plan: { fixed: number; min: number; max: number } }>(join(out, 'result.json'));
  const { phases, sloMs } = result.figures;
  assert.deepEqual(phases.map((p) => p.mode), ['fixed', 'target', 'predictive']);
  for (const p of phases) {
    const load = readJson<LoadJson>(join(out, p.file));
    assert.equal(p.failed, load.errors, `${p.mode}: failed`);
    assert.equal(p.completed, load.completed);
    assert.equal(p.sloViolations, load.perSecond.filter((s) => s.completed > 0 && s.p99Ms > sloMs).length, `${p.mode}: SLO seconds`);
    assert.ok(p.peakReplicas >= result.plan.min && p.peakReplicas <= result.plan.max);
  }
  const fixed = phases[0]!;
  const expected = result.plan.fixed * fixed.seconds;
  assert.ok(Math.abs(fixed.replicaSeconds - expected) <= 0.15 * expected, `fixed: ${fixed.replicaSeconds} replica-seconds ≈ ${result.plan.fixed} × ${fixed.seconds} s`);
  assert.ok(phases[1]!.peakReplicas > result.plan.min, 'target tracking scaled up on the ramp');
  assert.ok(phases[1]!.replicaSeconds < fixed.replicaSeconds, 'and spent less than the peak-provisioned fixed count');
});
