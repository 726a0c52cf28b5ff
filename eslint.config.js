// ESLint (flat config), run by `npm test` before the unit tests and by `npm run lint`. Type-aware: the rules
// that catch promises nobody awaits or handles need the TypeScript program, so the parser reads tsconfig.json.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', '.stack/**', 'dashboards/generated/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits fails silently (or crashes the process on rejection): await it, return it, or
      // say `void` where firing and forgetting is the point.
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      // An async callback where a void one is expected (event listeners, forEach, setTimeout) loses its errors.
      '@typescript-eslint/no-misused-promises': 'error',
      // CONTRIBUTING: no `any`; parse external JSON with TypeBox at the edge.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-empty-object-type': 'error',
      // The code's own width: one statement per line reads better than a wrapped one up to here. Long strings
      // (messages users read whole) and URLs are not cut.
      'max-len': ['error', { code: 200, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
)
