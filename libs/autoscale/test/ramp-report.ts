// Prints how the autoscaler follows the ramp (50 → 2000 req/s over 60 s and back, then 50 req/s)
// in simulate(): fixed replicas vs plain target tracking vs predictive, per metric. `npm run ramp`.
import { parseAutoscaleConfig, simulate } from '../src/index.js';

const ramp = (t: number): number => (t < 60 ? 50 + (1950 * t) / 60 : t < 120 ? 2000 - (1950 * (t - 60)) / 60 : 50);
const targets: Record<string, number> = { rps: 150, inflight: 3, cpu: 0.75, p99: 50 };
const common = { load: ramp, durationSeconds: 900, capacityPerReplica: 200, startupSeconds: 2 };

console.log('capacity 200 req/s per replica, min 2, max 20, warm-up 10 s, start-up 2 s, 15 s syncs, 900 s');
console.log('| metric (target) | mode | peak | replica-seconds | overloaded s | reversals | changes (t: from→to) |');
console.log('|---|---|---|---|---|---|---|');
for (const fixed of [2, 14, 20]) {
  const config = parseAutoscaleConfig({ min: fixed, max: fixed, metric: 'rps', target: 150 });
  const r = simulate({ ...common, config });
  console.log(`| – | fixed ${fixed} | ${r.peakReplicas} | ${r.replicaSeconds} | ${r.overloadSeconds} | 0 | – |`);
}
for (const [metric, target] of Object.entries(targets)) {
  for (const mode of ['plain', 'predictive'] as const) {
    const config = parseAutoscaleConfig({
      min: 2,
      max: 20,
      metric,
      target,
      warmupSeconds: 10,
      ...(mode === 'predictive' ? { predictive: { windowSeconds: 45, leadSeconds: 30 } } : {}),
    });
    const r = simulate({ ...common, config });
    const changes = r.changes.map((c) => `${c.t}: ${c.from}→${c.to}`).join(', ');
    console.log(`| ${metric} (${target}) | ${mode} | ${r.peakReplicas} | ${r.replicaSeconds} | ${r.overloadSeconds} | ${r.directionChanges} | ${changes} |`);
  }
}
