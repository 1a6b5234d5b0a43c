import type { InstanceFigures, StackFigures } from './stack-figures.js';

const rate = (r: number) => (r >= 100 ? String(Math.round(r)) : r >= 0.05 ? r.toFixed(1) : '0');
const ms = (v: number | null) => (v === null ? '-' : v >= 100 ? `${Math.round(v)}ms` : `${v.toFixed(1)}ms`);
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);

function tier(i: InstanceFigures): string {
  const d = i.detail;
  switch (i.service) {
    case 'lb':
      return `queue ${d.queue ?? '-'} up ${d.serversUp ?? '-'}${d.panic ? ' PANIC' : ''}`;
    case 'web':
      return `hit ${pct(d.cacheHitRatio as number | null)} db ${rate(Number(d.dbQps ?? 0))}/s`;
    case 'session':
      return Object.entries(d)
        .filter(([k]) => k.startsWith('ring '))
        .map(([k, v]) => `${k.slice(5)}:${v}`)
        .join(' ');
    case 'db-proxy':
      return `reader ${pct(d.readerShare as number | null)} writer ${d.writer ?? '-'}`;
    case 'db':
      return `${d.writer ? 'WRITER' : 'replica'} lag ${d.lagSeconds ?? '-'}s`;
    default:
      return '';
  }
}

/** The compact live table of `scaleout status --watch`. */
export function formatFigures(f: StackFigures): string {
  const h = f.headline;
  const head = `${new Date(f.at).toLocaleTimeString()}  ${rate(h.rps)} req/s  p99 ${ms(h.p99Ms)}  errors ${rate(h.errorsPerSecond)}/s (${pct(h.errorRate)})  page cache ${pct(h.pageCacheHitRatio)}  cache hit ${pct(h.cacheHitRatio)}  web ${h.webReplicas}  db ${rate(h.dbQps)} q/s`;
  const header = ['NAME', 'SERVICE', 'STATE', 'REQ/S', 'P99', 'ERR', 'INFL', 'TIER'];
  const rows = f.instances.map((i) => [
    i.name,
    i.service,
    i.state + (i.state === 'running' && !i.healthy ? '!' : ''),
    rate(i.rps),
    ms(i.p99Ms),
    pct(i.errorRate),
    i.inFlight === null ? '-' : String(i.inFlight),
    tier(i),
  ]);
  const widths = header.map((c, k) => Math.max(c.length, ...rows.map((r) => r[k]!.length)));
  const line = (cols: string[]) => cols.map((c, k) => (k >= 3 && k <= 6 ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join('  ').trimEnd();
  return [head, '', line(header), ...rows.map(line)].join('\n');
}
