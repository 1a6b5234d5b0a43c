// Lint enforces the project boundaries of the root README ("Layout"): an app may import libs, never another app; a lib
// never imports an app. This lints generated source text as if it lived inside each project.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

before(() => {
  // The module-boundary rule reads Nx's cached project graph; make sure it exists and is current.
  execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false' } });
  eslint = new ESLint({ cwd: root });
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

const apps = readdirSync(join(root, 'apps')).filter((a) => existsSync(join(root, 'apps', a, 'package.json')));

test('an app importing another app fails lint', async () => {
  assert.ok(apps.length >= 2, `need two apps to test this, found ${apps.join(', ')}`);
  const [from, to] = [apps[0]!, apps[1]!];
  const errors = await boundaryErrors(`apps/${from}/src/boundary-probe.ts`, `import * as other from '@scaleout/${to}';\nexport const x = other;\n`);
  assert.ok(errors.length > 0, `importing @scaleout/${to} from apps/${from} was not reported`);
  assert.match(errors.join('\n'), /type:app|tagged with/);
});

test('a lib importing an app fails lint', async () => {
  const errors = await boundaryErrors('libs/service/src/boundary-probe.ts', "import * as stack from '@scaleout/stack';\nexport const x = stack;\n");
  assert.ok(errors.length > 0, 'importing @scaleout/stack from libs/service was not reported');
});

test('an app importing a lib is fine', async () => {
  const errors = await boundaryErrors('apps/stack/src/boundary-probe.ts', "import { metricName } from '@scaleout/metrics';\nexport const x = metricName;\n");
  assert.deepEqual(errors, []);
});
