// ESLint flat config for the whole workspace. Project tags live in each package.json ("nx.tags"):
// type:app may depend on type:lib only; type:lib on type:lib only; type:test (tests/, bench/) on anything
// but must not be imported. Nx's module-boundary rule enforces it from the project graph.
// Inside a project, import-x/no-cycle forbids files that import each other (directly or round a longer
// circle). That rule skips `import type` edges (it has no option to count them), so
// tests/lint/type-cycles.test.ts walks every import, type-only included, and fails on any cycle.
// Runtime code (apps' and libs' src/, not tests) never imports
// @scaleout/testing.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default [
  { ignores: ['tests/lint/fixtures/**', '**/dist/**', '**/node_modules/**', '.nx/**', '.scaleout/**', 'compose/**/data/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parser: tseslint.parser,
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'off',
      'no-console': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without a parser for .ts, import-x cannot read an imported TypeScript file and sees no cycle.
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ conditionNames: ['@scaleout/source', 'types', 'import', 'node', 'default'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@scaleout/testing', message: 'runtime code must not import the test helpers (@scaleout/testing); tests may.' }] },
      ],
    },
  },
];
