// Vite builds the browser client into web/dist (run by `npm run build`, so by `npm install` too).
// `#core/*` imports are the core's TypeScript sources, and `#core/client/platform` its browser side
// (package.json "imports", "browser" condition): the client uses the same SDK as the CLI. The MLS code
// of encrypted rooms (ts-mls, imported dynamically by the SDK's E2E session) gets chunks of its own,
// loaded only when an encrypted room needs it.
import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  resolve: { conditions: ['chathub-source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite --config web/vite.config.ts`: hot reload, with the API and WebSocket of the hub at
  // CHATHUB_HUB (default http://127.0.0.1:8080); that hub needs `web.allowedOrigins: [http://localhost:5173]`.
  server: { proxy: { '/api': { target: process.env.CHATHUB_HUB ?? 'http://127.0.0.1:8080', ws: true } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline script anywhere (the hub's Content-Security-Policy has no 'unsafe-inline').
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      onLog(level, log, handler) {
        // ts-mls's HPKE (@hpke/common) imports node:crypto only where globalThis.crypto is missing; a
        // page has it (encrypted rooms need a secure context), so that import is never reached here.
        if (log.plugin === 'rolldown:vite-resolve' && /Module "crypto" has been externalized.*@hpke/.test(log.message)) return
        handler(level, log)
      },
    },
  },
})
