import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph, tsFiles } from './import-graph.js';

// import-x/no-cycle (the lint rule) does not count `import type` edges; this walk does, so no two
// files of the tree depend on each other even through types.
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function projectDirs(): string[] {
  const dirs: string[] = [];
  for (const group of ['apps', 'libs']) {
    for (const name of readdirSync(join(root, group))) {
      for (const sub of ['src', 'test', 'bench']) {
        const d = join(root, group, name, sub);
        if (existsSync(d)) dirs.push(d);
      }
    }
  }
  for (const d of ['tests', 'bench']) if (existsSync(join(root, d))) dirs.push(join(root, d));
  return dirs;
}

test('no import cycle in the tree, type-only imports included', () => {
  const files = projectDirs().flatMap((d) => tsFiles(d)).filter((f) => !f.startsWith(fixtures));
  assert.ok(files.length > 100, `expected the tree's sources, found ${files.length} files`);
  assert.deepEqual(cycles(importGraph(files), root), []);
});

test('a type-only cycle in a fixture is found', () => {
  const found = cycles(importGraph(tsFiles(join(fixtures, 'type-cycle'))), fixtures);
  assert.deepEqual(found, [['type-cycle/owner.ts', 'type-cycle/shape.ts']]);
});

test('the value cycle fixture is found and its acyclic pair is not', () => {
  const found = cycles(importGraph(tsFiles(join(fixtures, 'cycle'))), fixtures);
  assert.deepEqual(found, [['cycle/a.ts', 'cycle/b.ts']]);
});
