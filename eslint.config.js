// ESLint: typescript-eslint's recommended rules plus the few the style guide makes errors.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'drizzle/**', 'data/**', 'coverage/**', 'dist/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: ['../../*'] }],
      // A deferred transaction that reads before it writes fails at once with SQLITE_BUSY when
      // another process commits meanwhile; writeTransaction (core/db/client.ts) begins IMMEDIATE.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='transaction']:not(MemberExpression[property.name='immediate'] > CallExpression)",
          message: "Use writeTransaction(db, fn), or better-sqlite3's .transaction(fn).immediate",
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*'] },
            // A regex: in the gitignore syntax of `group`, a leading # starts a comment.
            { regex: '^#plugins/', message: 'The core never imports a plugin.' },
          ],
        },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-console': 'error',
      // A plugin reaches the core through its curated entry; the client SDK, the wire protocol and
      // the error type are public to every client (the bot host is one, in its own process; the stego
      // codec runs in browsers too, where the plugin entry's server code must not follow it).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*'] },
            {
              // A regex: in the gitignore syntax of `group`, a leading # starts a comment.
              regex: '^#core/(?!(plugin-api|client/sdk|protocol/messages|errors)$)',
              message: 'Plugins import the core through #core/plugin-api (extend it if something is missing).',
            },
          ],
        },
      ],
    },
  },
)
