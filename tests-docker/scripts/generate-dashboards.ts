// Writes compose/grafana/dashboards/*.json from src/dashboards/stack-dashboards.ts.
//   npm run dashboards -w @scaleout/docker-tests
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDashboardFiles } from '../src/dashboard-files.js';
import { DASHBOARD_DIR } from '../src/stack-paths.js';

for (const [file, text] of generatedDashboardFiles()) {
  writeFileSync(join(DASHBOARD_DIR, file), text);
  console.log(`wrote ${join(DASHBOARD_DIR, file)}`);
}
