#!/usr/bin/env node
// Runs a project's tests with node:test and tsx: every `*.test.ts` under src/ and test/ of the
// current directory (or the folders given as arguments). Extra `--flags` go to node's test runner.
// Environment: TEST_CONCURRENCY (files run at once, default 1), TEST_TIMEOUT_MS (per test, default 300000).
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const roots = args.filter((a) => !a.startsWith('--'));
if (roots.length === 0) roots.push('src', 'test');

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.mts')) out.push(p);
  }
  return out;
}

const files = roots.flatMap((r) => (r.endsWith('.ts') ? [r] : collect(r, []))).sort();
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${roots.join(', ')} in ${process.cwd()}`);
  process.exit(1);
}
console.log(`run-tests: ${files.length} file(s): ${files.map((f) => relative(process.cwd(), f)).join(' ')}`);

const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '1'}`,
  `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? '300000'}`,
  ...flags,
  ...files,
];
const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
