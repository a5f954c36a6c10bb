import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'node_modules/', 'assembly/', 'assembly-train/', 'tests/assembly/'] },
  js.configs.recommended,
  // Type-aware: the checks that need types (floating promises, unnecessary assertions and
  // conditions) are the ones that find real bugs in async link code.
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { console: 'readonly', process: 'readonly' },
    },
    rules: {
      // `const { step, ...rest } = result` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Without noUncheckedIndexedAccess (off: the numeric kernels index typed arrays in hot loops),
      // an indexed read's `?? 0` guards a real undefined that the types do not show; this rule
      // would call those honest guards unnecessary.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Numbers and booleans print as they should in messages; objects and arrays still do not.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // `() => emitter.emit()` in a callback is plain and returns nothing anyone reads.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // node:test's test/it/describe return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
