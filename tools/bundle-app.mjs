#!/usr/bin/env node
// Bundles an app's entry (default src/server.ts) with esbuild into dist/<name>.mjs: one ESM file with
// every dependency inlined, so a runtime image needs only `node dist/server.mjs`. Run from the app folder.
import { build } from 'esbuild';
import { basename } from 'node:path';

const entries = process.argv.slice(2);
if (entries.length === 0) entries.push('src/server.ts');

await build({
  entryPoints: entries,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle need require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as __scaleoutCreateRequire } from 'node:module';",
      "import { fileURLToPath as __scaleoutFileURLToPath } from 'node:url';",
      "import { dirname as __scaleoutDirname } from 'node:path';",
      'const require = __scaleoutCreateRequire(import.meta.url);',
      'const __filename = __scaleoutFileURLToPath(import.meta.url);',
      'const __dirname = __scaleoutDirname(__filename);',
    ].join('\n'),
  },
});
console.log(`bundled ${entries.join(', ')} -> dist/ (${basename(process.cwd())})`);
