import type { InstanceStatus } from './instance-status.js';

/** A fixed-width table of instances for the terminal. */
export function formatStatus(rows: InstanceStatus[]): string {
  const header = ['NAME', 'SERVICE', 'ADDRESS', 'PID', 'STATE', 'HEALTHY'];
  const body = rows.map((r) => [
    r.name,
    r.service,
    r.address,
    r.pid === null ? '-' : String(r.pid),
    r.state + (r.restarts ? ` (${r.restarts} restarts)` : ''),
    r.healthy ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [fmt(header), ...body.map(fmt)];
  for (const r of rows) if (r.lastError && r.state !== 'running') out.push(`  ${r.name}: ${r.lastError.split('\n')[0]}`);
  return out.join('\n');
}
