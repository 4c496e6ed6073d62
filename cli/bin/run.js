#!/usr/bin/env node
// chathub's CLI entry: the compiled commands in dist/ (built by `npm install`), dispatched by oclif
// from its manifest, so a command loads only its own modules.
import { existsSync } from 'node:fs'

if (!existsSync(new URL('../../dist/cli/commands', import.meta.url))) {
  process.stderr.write('chathub is not built yet: run `npm install` (or `npm run build`) in its folder\n')
  process.exit(1)
}
const { execute } = await import('#oclif')
await execute({ dir: import.meta.url })
