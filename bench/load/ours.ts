// One run of @scaleout/load for bench/load/run.ts (started pinned with taskset): prints one JSON line.
// Usage: tsx bench/load/ours.ts closed <url> <connections> <seconds>
//        tsx bench/load/ours.ts open <url> <rate/s> <seconds> <max connections>
import { startLoad, type LoadSpec } from '@scaleout/load';

const [mode = 'closed', url = '', a = '50', secS = '10', maxConn = '1000'] = process.argv.slice(2);
const spec: LoadSpec =
  mode === 'open'
    ? { workload: 'get', url, rate: { kind: 'constant', rate: Number(a) }, durationMs: Number(secS) * 1000, connections: Number(maxConn) }
    : { workload: 'get', url, connections: Number(a), durationMs: Number(secS) * 1000 };
const r = await startLoad(spec).done;
process.stdout.write(
  JSON.stringify({
    rps: r.achievedRate,
    sent: r.sent,
    completed: r.completed,
    errors: r.errors,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    maxMs: r.latency.maxMs,
    lateP99Ms: r.generator.lateP99Ms,
    valid: r.generator.valid,
    maxConnections: r.generator.maxConnections,
  }) + '\n',
);
