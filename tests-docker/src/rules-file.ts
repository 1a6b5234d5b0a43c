import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { substituteGrafanaVariables } from './promql.js';

/**
 * A Prometheus rules file with one recording rule per expression (Grafana variables substituted),
 * so that `promtool check rules` parses every dashboard query. Expressions are written as JSON
 * strings, which YAML reads as double-quoted scalars.
 */
export function rulesFileFor(expressions: { where: string; expr: string }[]): string {
  const lines = ['groups:', '  - name: dashboard-expressions', '    rules:'];
  expressions.forEach((e, i) => {
    lines.push(`      # ${e.where.replace(/\n/g, ' ')}`);
    lines.push(`      - record: dashboard:expression_${i + 1}`);
    lines.push(`        expr: ${JSON.stringify(substituteGrafanaVariables(e.expr))}`);
  });
  return lines.join('\n') + '\n';
}

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/** Runs `promtool <args…>`; throws a clear error when promtool is not installed. */
export function promtool(args: string[]): PromtoolResult {
  const res = spawnSync('promtool', args, { encoding: 'utf8' });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool is not installed: apt-get install prometheus (it ships promtool)');
  }
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}`.trim() };
}

/** `promtool check rules` over the expressions. */
export function checkExpressionsWithPromtool(expressions: { where: string; expr: string }[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'scaleout-rules-'));
  try {
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(file, rulesFileFor(expressions));
    return promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
