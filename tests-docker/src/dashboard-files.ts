import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDashboard, type DashboardSpec } from './dashboards/grafana-model.js';
import { STACK_DASHBOARDS } from './dashboards/stack-dashboards.js';
import { DASHBOARD_DIR } from './stack-paths.js';

/** The file text of a generated dashboard (2-space JSON, final newline). */
export function dashboardFileText(spec: DashboardSpec): string {
  return JSON.stringify(renderDashboard(spec), null, 2) + '\n';
}

/** What scripts/generate-dashboards.ts writes: file name → text. */
export function generatedDashboardFiles(): Map<string, string> {
  return new Map(STACK_DASHBOARDS.map((d) => [`${d.file}.json`, dashboardFileText(d)]));
}

/** The dashboards Grafana loads: every JSON file of compose/grafana/dashboards/, parsed. */
export function loadDashboardFiles(dir = DASHBOARD_DIR): { file: string; json: unknown }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));
}
