import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The workspace's lint config must refuse files that import each other (import-x/no-cycle).
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/cycle/', import.meta.url));

async function cycleErrors(files: string[]): Promise<string[]> {
  const eslint = new ESLint({ cwd: root, ignore: false });
  const results = await eslint.lintFiles(files.map((f) => fixtures + f));
  return results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'import-x/no-cycle').map((m) => `${r.filePath}: ${m.message}`));
}

test('a deliberate cycle (a.ts ⇄ b.ts) fails lint', async () => {
  const errors = await cycleErrors(['a.ts', 'b.ts']);
  assert.equal(errors.length, 2, `expected both files of the cycle reported, got: ${JSON.stringify(errors)}`);
  assert.match(errors[0]!, /Dependency cycle/);
});

test('files without a cycle pass', async () => {
  assert.deepEqual(await cycleErrors(['root.ts', 'leaf.ts']), []);
});
