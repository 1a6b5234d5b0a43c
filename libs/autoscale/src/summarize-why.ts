import type { AutoscaleWhy, MetricWhy } from './autoscale-why.js';

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 0 : 2);
}

function metricPart(m: MetricWhy): string {
  if (m.outcome === 'unavailable') return `${m.metric} unavailable${m.note ? ` (${m.note})` : ''}`;
  const head = `${m.metric} ${num(m.value!)}/${num(m.target)} ×${m.ratio!.toFixed(2)}`;
  const setAside = m.unready + m.missing > 0 ? ` [${m.unready} unready, ${m.missing} missing → ×${m.correctedRatio?.toFixed(2)}]` : '';
  const pred = m.predictedReplicas !== null ? `, predicted ${num(m.predictedValue!)} → ${m.predictedReplicas}` : '';
  const what =
    m.outcome === 'within-tolerance' ? 'within tolerance' : m.outcome === 'dampened' ? 'dampened, no change' : `→ ${m.replicas}`;
  return `${head}${setAside} ${what}${pred}`;
}

/** One line describing a decision, e.g. `4 → 8: inflight 20/10 ×2.00 → 8; limited by Pods 4/15s to 8`. */
export function summarizeWhy(current: number, desired: number, why: Omit<AutoscaleWhy, 'summary'>): string {
  const parts: string[] = [];
  if (why.rule === 'above-max') parts.push('current above maxReplicas');
  else if (why.rule === 'below-min') parts.push('current below minReplicas');
  else {
    parts.push(why.metrics.map(metricPart).join(', '));
    if (why.rule === 'metrics-unavailable') parts.push('no metric available, no change');
    if (why.rule === 'scale-down-skipped') parts.push('a metric is unavailable, scale-down skipped');
  }
  if (why.predicted !== null && why.plain !== null && why.predicted > why.plain) {
    parts.push(`predictive ${why.predicted} over plain ${why.plain}`);
  }
  if (why.stabilized) {
    const s = why.stabilized;
    parts.push(`stabilised from ${s.from} to ${s.to} (${s.window} window ${s.windowSeconds}s)`);
  }
  if (why.limited) {
    const l = why.limited;
    const p = l.policy ? `${l.policy.type} ${l.policy.value}/${l.policy.periodSeconds}s` : `scale ${l.direction} Disabled`;
    parts.push(`limited by ${p} from ${l.from} to ${l.to}`);
  }
  if (why.clamped) parts.push(`clamped by ${why.clamped.bound} from ${why.clamped.from} to ${why.clamped.to}`);
  if (why.blocked) parts.push(`scale-in blocked: ${why.blocked.warming} replica(s) warming`);
  return `${current} → ${desired}: ${parts.join('; ')}`;
}
