// ESLint flat config for the whole workspace: typescript-eslint's type-checked rules over every
// TypeScript project (found through each folder's tsconfig.json by the project service), Prettier
// owns formatting (eslint-config-prettier switches off the stylistic rules it would fight).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'packages/shared/src/gen/**',
      '**/coverage/**',
      'bench/results/**',
      '.gatehouse/**',
      '**/*.tsbuildinfo',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Plain JS files at the root (this one, jest.config.js, bench scripts, the image's
        // healthcheck) are not in any tsconfig; the default project lets the type-aware rules parse them.
        projectService: {
          allowDefaultProject: ['*.js', 'bench/*.js', 'bench/*/*.js', 'bench/*.mjs', 'deploy/*.mjs'],
          // The bench's scripts and references are more than the default 8 files.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Unhandled promises are how a request hangs or a rejection crashes the process.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Off on purpose: `async` without `await` is how the memory store/bus implement a Promise
      // interface so that a throw becomes a rejection, exactly like the Redis/NATS versions.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // Tests reference methods unbound on purpose (expect(obj.method), jest.fn wiring), and they
    // read response bodies as untyped JSON and assert on their shape: the assertions are the types.
    // packages/reliability is test tooling only (fault, timing and soak drivers): the same rules.
    files: ['**/*.test.ts', '**/*.contract.ts', '**/test/**/*.ts', 'packages/reliability/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Plain JS (configs, bench scripts) has no type information worth checking; it runs on Node.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
  },
  prettier,
);
