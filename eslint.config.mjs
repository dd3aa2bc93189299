import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.data/**',
      'dist/**',
      'client/publish/dist/**',
      'infra/cdk/cdk.out/**',
      '*.js',
      '*.mjs',
      'scripts/*.mjs',
      // The bins are plain CommonJS on purpose: they run on node before tsx is registered.
      'bin/*.cjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // and activities only as types (they reach workflows through proxyActivities).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
            {
              // The top-level activities/ only (any depth of ../), not workflows/shared/activities.ts.
              regex: '^(\\.\\./)+activities(/|$)',
              message:
                'Workflows never import activities/, not even types: declare the interface in the domain contract.',
            },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@aws-sdk/*', 'stripe'],
              message: 'Not deterministic: keep it out of workflows/.',
            },
          ],
          paths: [
            'fs',
            'path',
            'os',
            'crypto',
            'http',
            'https',
            'net',
            'child_process',
            'process',
            'timers',
            'worker_threads',
          ].map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code.' })),
        },
      ],
    },
  },
);
