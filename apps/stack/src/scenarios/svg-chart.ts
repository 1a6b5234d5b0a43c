// A small SVG line chart of our own (no dependency): series over seconds, nice y ticks, a legend and
// the scripted events as dashed vertical lines. Gaps (null values) break a line.
import type { ChartSpec } from './scenario.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 760;
const H = 300;
const M = { left: 62, right: 16, top: 34, bottom: 62 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Tick step of 1, 2 or 5 × 10^k giving about `target` ticks over `span`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10_000) return `${+(v / 1000).toFixed(1)}k`;
  if (a >= 100) return String(Math.round(v));
  if (a >= 1) return String(+v.toFixed(1));
  return String(+v.toPrecision(2));
}

/** Renders the chart as a standalone SVG document. */
export function renderSvgChart(c: ChartSpec): string {
  const pts = c.series.flatMap((s) => s.points);
  const ts = [...pts.map((p) => p.t), ...c.marks.map((m) => m.t)];
  const vs = pts.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
  const t0 = ts.length ? Math.min(...ts) : 0;
  const t1 = ts.length ? Math.max(...ts, t0 + 1) : 1;
  const vMax = vs.length ? Math.max(...vs) : 1;
  const vMin = Math.min(0, ...vs);
  const yStep = niceStep(vMax - vMin || 1);
  const yTop = Math.max(yStep, Math.ceil(vMax / yStep) * yStep);
  const yBottom = Math.floor(vMin / yStep) * yStep;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + ((t - t0) / (t1 - t0)) * pw;
  const y = (v: number) => M.top + ph - ((v - yBottom) / (yTop - yBottom || 1)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(c.title)}" data-chart="${escapeXml(c.id)}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="20" font-family="sans-serif" font-size="14" font-weight="bold">${escapeXml(c.title)}</text>`);
  // y grid and ticks
  for (let v = yBottom; v <= yTop + yStep / 1e6; v += yStep) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${yy}" dy="4" text-anchor="end" font-family="sans-serif" font-size="11">${fmt(v)}</text>`);
  }
  const xStep = niceStep(t1 - t0, 8);
  for (let t = Math.ceil(t0 / xStep) * xStep; t <= t1; t += xStep) {
    const xx = x(t).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${xx}" y="${M.top + ph + 16}" text-anchor="middle" font-family="sans-serif" font-size="11">${fmt(t)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 30}" text-anchor="middle" font-family="sans-serif" font-size="11">seconds</text>`);
  out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-family="sans-serif" font-size="11">${escapeXml(c.yLabel)}</text>`);
  // scripted events
  c.marks.forEach((m, i) => {
    const xx = x(m.t).toFixed(1);
    out.push(`<line class="mark" x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}" stroke="#888" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${xx}" y="${M.top + 10 + (i % 3) * 11}" dx="3" font-family="sans-serif" font-size="10" fill="#555">${escapeXml(m.label)}</text>`);
  });
  // lines
  c.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const segments: string[] = [];
    let cur = '';
    for (const p of [...s.points].sort((a, b) => a.t - b.t)) {
      if (p.v === null || !Number.isFinite(p.v)) {
        if (cur) segments.push(cur);
        cur = '';
        continue;
      }
      cur += `${cur ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    }
    if (cur) segments.push(cur);
    out.push(`<path class="series" data-series="${escapeXml(s.label)}" d="${segments.join('') || 'M0,0'}" fill="none" stroke="${colour}" stroke-width="1.8"/>`);
    const lx = M.left + (i % 4) * 170;
    const ly = H - 14 - Math.floor(i / 4) * 14;
    out.push(`<rect x="${lx}" y="${ly - 8}" width="12" height="4" fill="${colour}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}" font-family="sans-serif" font-size="11">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
