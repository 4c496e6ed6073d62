// Vitest: one suite for the whole repo; real servers, real SQLite files in temp dirs.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Processes the tests spawn (chathub, the bot host) transpile without tsx's non-atomic disk cache.
    env: { TSX_DISABLE_CACHE: '1' },
  },
})
