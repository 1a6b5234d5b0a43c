import type { IntervalStats, LatencySummary, LoadResult } from './types.js';

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function kinds(byKind: Record<string, number>): string {
  const parts = Object.entries(byKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The one-line progress of a second. */
export function formatSecond(s: IntervalStats): string {
  const unit = s.unit === 'journeys' ? 'journeys/s' : 'req/s';
  const target = s.targetRate > 0 ? ` of ${Math.round(s.targetRate)}` : '';
  const flag = s.valid ? '' : `  NOT MEASURABLE: ${s.reason ?? 'generator saturated'}`;
  return `[${String(s.second).padStart(4)}s] ${Math.round(s.rate)}${target} ${unit}  p50 ${ms(s.p50Ms)} ms  p99 ${ms(s.p99Ms)} ms  max ${ms(s.maxMs)} ms  errors ${s.errors}${kinds(s.errorsByKind)}  in flight ${s.inFlight}${s.queued ? `  queued ${s.queued}` : ''}${flag}`;
}

function latencyCells(l: LatencySummary): string[] {
  return [l.p50Ms, l.p90Ms, l.p99Ms, l.p999Ms, l.maxMs].map(ms);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The final table: run figures, the generator's verdict, and for shop the journeys. */
export function formatResult(r: LoadResult): string {
  const unit = r.spec.workload === 'shop' ? 'journeys/s' : 'req/s';
  const out: string[] = [];
  const what = r.spec.workload === 'get' ? `get ${r.spec.url}` : `shop ${r.spec.baseUrls ? r.spec.baseUrls.join(' ') : `via DNS ${r.spec.dns!.name} @${r.spec.dns!.server}:${r.spec.dns!.port}`}`;
  out.push(`${what}: ${r.model ?? (r.spec.rate ? 'open' : 'closed')} model, ${(r.durationMs / 1000).toFixed(1)} s, stopped by ${r.stopped}`);
  const target = r.targetRate !== undefined ? `  target ${r.targetRate.toFixed(0)} ${unit}` : '';
  out.push(`achieved ${r.achievedRate.toFixed(1)} ${unit}${target}  sent ${r.sent}  completed ${r.completed}  errors ${r.errors}${kinds(r.errorsByKind)}${r.spec.workload === 'shop' ? `  HTTP requests ${r.requests ?? '?'}` : ''}`);
  const lat = r.latency;
  out.push(
    table(
      ['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
      [[r.spec.rate ? 'from intended start' : 'from send', ...latencyCells(lat), ms(lat.meanMs)]],
    ),
  );
  if (r.journeys) {
    const rows = Object.entries(r.journeys).map(([name, j]) => [name, String(j.started), String(j.ok), String(j.failed), j.outOfStock !== undefined ? String(j.outOfStock) : '-', ...latencyCells(j.latency)]);
    out.push('');
    out.push(table(['journey', 'started', 'ok', 'failed', 'out of stock', 'p50', 'p90', 'p99', 'p99.9', 'max'], rows));
    out.push(`failed journeys: ${r.failedJourneys ?? 0}`);
    if (r.targets) out.push(`per LB address: ${Object.entries(r.targets).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  const g = r.generator;
  out.push('');
  out.push(`generator: ${g.valid ? 'measurable' : 'NOT MEASURABLE'}  lateness p99 ${ms(g.lateP99Ms)} ms  connections peak ${g.maxConnections} (${g.extraConnections ?? 0} opened while all were busy)`);
  for (const n of g.notes) out.push(`  - ${n}`);
  return out.join('\n');
}
