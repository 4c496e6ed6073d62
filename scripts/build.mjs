// `npm run build` (and `npm install`, through `prepare`): compile core, plugins and cli to dist/ with
// tsc, copy the files the compiled code reads beside itself, and write oclif's command manifest so
// that `chathub` loads only the command it runs.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const step = (what) => process.stderr.write(`build: ${what}\n`)

let tsc
try {
  tsc = require.resolve('typescript/bin/tsc')
} catch {
  if (existsSync(`${root}/dist/cli/commands`)) process.exit(0) // an install without dev tools keeps its build
  process.stderr.write('build: typescript is missing; run `npm install` (with dev dependencies)\n')
  process.exit(1)
}

step('tsc -p tsconfig.build.json')
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

// TypeBox in one file: `import 'typebox'` loads some 640 modules, most of a `serve` start's module
// loading. Core and plugins import it as '#typebox' (core/schema/typebox.ts).
// drizzle-orm likewise (~110 modules through its subpaths), as '#drizzle' (core/db/drizzle.ts);
// better-sqlite3, a native module, stays outside.
for (const [source, out] of [['core/schema/typebox.ts', 'typebox.js'], ['core/db/drizzle.ts', 'drizzle.js']]) {
  step(`bundle ${source} -> dist/vendor/${out}`)
  await (await import('esbuild')).build({
    entryPoints: [`${root}/${source}`],
    outfile: `${root}/dist/vendor/${out}`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'warning',
  })
}

// oclif in one file: its ~200 modules cost a CLI command more to resolve and load than the command's
// own work (node -e 0 × 2.5 for the import alone, × 1.7 bundled). Commands import it as '#oclif'
// (cli/oclif.ts).
step('bundle cli/oclif.ts -> dist/vendor/oclif.js')
const { build } = await import('esbuild')
await build({
  entryPoints: [`${root}/cli/oclif.ts`],
  outfile: `${root}/dist/vendor/oclif.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // oclif is CommonJS and requires some modules by computed name at run time.
  banner: { js: "import { createRequire as __chathubRequire } from 'node:module'; const require = __chathubRequire(import.meta.url);" },
  target: 'node20',
  minify: true,
  // oclif loads these only to run TypeScript commands in development, which chathub does not do.
  external: ['typescript', 'ts-node'],
  logLevel: 'warning',
})

// Files read at run time next to the compiled modules.
cpSync(`${root}/drizzle`, `${root}/dist/drizzle`, { recursive: true })
// Each plugin's own migrations (ChatPlugin.migrations, found beside its compiled index.js). The old
// copy goes first: a file left there from an earlier build would be applied as a migration.
for (const entry of readdirSync(`${root}/plugins`, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue
  const from = `${root}/plugins/${entry.name}/migrations`
  const to = `${root}/dist/plugins/${entry.name}/migrations`
  rmSync(to, { recursive: true, force: true })
  if (!existsSync(from)) continue
  // drizzle-kit's meta/ (snapshots for the next generate) is not read at run time.
  cpSync(from, to, { recursive: true, filter: (src) => relative(from, src).split(/[\\/]/)[0] !== 'meta' })
}
cpSync(`${root}/plugins/bots/sandbox-prelude.js`, `${root}/dist/plugins/bots/sandbox-prelude.js`)

step('oclif manifest')
rmSync(`${root}/oclif.manifest.json`, { force: true })
const { Plugin } = await import('@oclif/core')
const plugin = new Plugin({
  root,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
  respectNoCacheDefault: true,
})
await plugin.load()
writeFileSync(`${root}/oclif.manifest.json`, JSON.stringify(plugin.manifest))
step(`${Object.keys(plugin.manifest.commands).length} commands`)

// The browser client (web/), built by Vite into web/dist, which the hub serves at /.
step('vite build web -> web/dist')
const vite = await import('vite')
await vite.build({ configFile: `${root}/web/vite.config.ts`, logLevel: 'warn' })
