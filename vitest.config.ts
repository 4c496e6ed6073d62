// Vitest: one suite for the whole repo; real servers, real SQLite files in temp dirs. The suites run
// the TypeScript sources (the "chathub-source" condition of package.json "imports"); whole-process
// CLI tests run the built CLI in dist/, as a user does (`npm test` builds first).
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  ssr: { resolve: { conditions: ['chathub-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time (vitest's default on 2 CPUs is one): most suites wait on hubs, CLI
    // processes and browsers rather than compute, and the whole run must stay within CI's budget.
    maxWorkers: 2,
    // Processes the tests spawn from sources (the bot host, fixtures) transpile without tsx's
    // non-atomic disk cache.
    env: { TSX_DISABLE_CACHE: '1' },
  },
})
