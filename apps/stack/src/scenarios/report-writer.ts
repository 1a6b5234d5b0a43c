// The report folder of a scenario run: report.md, report.html (the same with its charts inline), one
// SVG per chart and result.json (the figures, the table, the plan, the machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ResultTable, ScenarioOutcome } from './scenario.js';
import { escapeXml, renderSvgChart } from './svg-chart.js';

export interface ReportMeta {
  scenario: string;
  description: string;
  quick: boolean;
  net: string;
  startedAt: string;
  durationSeconds: number;
  plan: unknown;
  command: string;
}

export function machine(): { host: string; cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string } {
  const c = cpus();
  return { host: hostname(), cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memoryGb: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch}` };
}

const cell = (v: string | number | null) => (v === null ? '—' : typeof v === 'number' ? String(+v.toFixed(v >= 100 ? 0 : 2)) : v);

function markdownTable(t: ResultTable): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${t.columns.map(esc).join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map((v) => esc(cell(v))).join(' | ')} |`)].join('\n');
}

function htmlTable(t: ResultTable): string {
  return `<table id="results"><thead><tr>${t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((v) => `<td>${escapeXml(cell(v))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Writes the report folder; returns the files written. */
export function writeReport(dir: string, meta: ReportMeta, outcome: ScenarioOutcome): string[] {
  mkdirSync(dir, { recursive: true });
  const m = machine();
  const machineLine = `${m.host}: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}`;
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(name);
  };
  for (const c of outcome.charts) write(`${c.id}.svg`, renderSvgChart(c));

  const md = [
    `# Scenario \`${meta.scenario}\`${meta.quick ? ' (quick)' : ''}`,
    '',
    meta.description,
    '',
    `Run ${meta.startedAt}, ${meta.durationSeconds.toFixed(0)} s, on ${machineLine}; stack on ${meta.net}.x.y. Rerun: \`${meta.command}\`.`,
    '',
    '## What was done',
    '',
    ...outcome.steps.map((s, i) => `${i + 1}. ${s}`),
    '',
    '## Results',
    '',
    markdownTable(outcome.table),
    '',
    '## Conclusion',
    '',
    ...outcome.conclusion.map((c) => `- ${c}`),
    '',
    '## Charts',
    '',
    ...outcome.charts.map((c) => `![${c.title}](${c.id}.svg)`),
    '',
  ].join('\n');
  write('report.md', md);

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scaleout scenario ${escapeXml(meta.scenario)}</title>
<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}th{background:#f3f3f3}figure{margin:1.5em 0}code{background:#f3f3f3;padding:0 3px}</style>
</head><body>
<h1>Scenario <code>${escapeXml(meta.scenario)}</code>${meta.quick ? ' (quick)' : ''}</h1>
<p>${escapeXml(meta.description)}</p>
<p>Run ${escapeXml(meta.startedAt)}, ${meta.durationSeconds.toFixed(0)} s, on ${escapeXml(machineLine)}; stack on ${escapeXml(meta.net)}.x.y. Rerun: <code>${escapeXml(meta.command)}</code>.</p>
<h2>What was done</h2>
<ol>${outcome.steps.map((s) => `<li>${escapeXml(s)}</li>`).join('')}</ol>
<h2>Results</h2>
${htmlTable(outcome.table)}
<h2>Conclusion</h2>
<ul id="conclusion">${outcome.conclusion.map((c) => `<li>${escapeXml(c)}</li>`).join('')}</ul>
<h2>Charts</h2>
${outcome.charts.map((c) => `<figure class="chart" id="chart-${escapeXml(c.id)}">${renderSvgChart(c)}<figcaption><a href="${escapeXml(c.id)}.svg">${escapeXml(c.id)}.svg</a></figcaption></figure>`).join('\n')}
</body></html>
`;
  write('report.html', html);
  write(
    'result.json',
    JSON.stringify({ scenario: meta.scenario, quick: meta.quick, startedAt: meta.startedAt, durationSeconds: meta.durationSeconds, net: meta.net, machine: m, plan: meta.plan, steps: outcome.steps, table: outcome.table, conclusion: outcome.conclusion, figures: outcome.figures, marks: outcome.charts[0]?.marks ?? [], charts: outcome.charts.map((c) => c.id) }, null, 2) + '\n',
  );
  return files;
}
