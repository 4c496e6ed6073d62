// `npm run db:generate:plugin -- <plugin> [--name <what>]`: drizzle-kit generate for one built-in
// plugin, from its schema (plugins/<plugin>/schema.ts) into its own migrations folder
// (plugins/<plugin>/migrations), which the plugin host applies when the plugin is enabled. The core's
// tables stay with `npm run db:generate` (drizzle.config.ts -> drizzle/). See docs/plugins.md.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const [plugin, ...rest] = process.argv.slice(2)
if (!plugin || plugin.startsWith('-') || !existsSync(join(root, 'plugins', plugin, 'schema.ts'))) {
  process.stderr.write(
    'usage: npm run db:generate:plugin -- <plugin> [--name <what>]  (plugins/<plugin>/schema.ts must exist)\n',
  )
  process.exit(1)
}

// drizzle-kit does not export its bin; it sits beside its main module.
const drizzleKit = join(dirname(createRequire(import.meta.url).resolve('drizzle-kit')), 'bin.cjs')
const args = [
  drizzleKit,
  'generate',
  '--dialect',
  'sqlite',
  '--schema',
  `./plugins/${plugin}/schema.ts`,
  '--out',
  `./plugins/${plugin}/migrations`,
  ...rest,
]
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
process.exit(run.status ?? 1)
