#!/usr/bin/env node
// The `scaleout` command: loads the TypeScript sources through tsx and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const code = err && typeof err === 'object' && 'code' in err ? ` [${err.code}]` : '';
  console.error(`scaleout: ${err instanceof Error ? err.message : String(err)}${code}`);
  process.exitCode = 1;
}
