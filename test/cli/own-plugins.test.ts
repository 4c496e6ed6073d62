// Plugins of one's own with the built hub (`chathub serve` runs compiled JavaScript): a JavaScript
// plugin loads by path; a TypeScript one is refused with a message saying how to load it, and loads
// when the hub starts with a TypeScript loader (NODE_OPTIONS='--import tsx'), as docs/plugins.md says.
// Plugin migrations are found beside the compiled built-ins (dist/plugins/<name>/migrations) and in
// an out-of-tree plugin's own folder.
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { DB_FILE, openDb } from '#core/db/client'
import { insertUser } from '#core/users/queries'
import { runCli, tempDir } from '#test/helpers/run-cli'
import { serve, type ServeProcess } from '#test/helpers/serve-process'

const fixture = (file: string) => fileURLToPath(new URL(`../fixtures/plugins/${file}`, import.meta.url))

const running: ServeProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
})

/** A data dir with a config enabling `plugins` and a session for alice. */
const dataDirWith = (plugins: string) => {
  const dataDir = tempDir('chathub-own-plugin-')
  writeFileSync(join(dataDir, 'chathub.yaml'), `plugins:\n${plugins}`)
  const db = openDb(join(dataDir, DB_FILE))
  const token = issueSession(db, insertUser(db, { name: 'alice', passwordHash: null }).id, { ttlMs: 3600_000 }).token
  db.$client.close()
  return { dataDir, token }
}

/** Send `text` (a chat command) as alice in a new room of the running hub; the notice it answers. */
const answerTo = async (p: ServeProcess, token: string, text: string) => {
  running.push(p)
  const alice = await ChatClient.connect(p.url, token)
  try {
    await alice.create('room')
    await alice.join('room')
    await alice.say('room', text)
    return (await alice.next('notice')).text
  } finally {
    alice.close()
  }
}

test('a JavaScript plugin importing chathub/plugin-api loads by path and adds its command', async () => {
  const { dataDir, token } = dataDirWith(`  shout:\n    module: ${fixture('shout.js')}\n    suffix: '!!'\n`)
  expect(await answerTo(await serve({ dataDir }), token, '/shout hello there')).toBe('HELLO THERE!!')
})

test('a TypeScript plugin without a loader stops boot with CHATHUB_PLUGIN_FAILED saying how to load it', async () => {
  const { dataDir } = dataDirWith(`  dice:\n    module: ${fixture('dice.ts')}\n`)
  const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { cwd: dataDir })
  expect(r.code).not.toBe(0)
  const said = (r.stdout + r.stderr).replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ') // oclif wraps lines
  expect(said).toMatch(/CHATHUB_PLUGIN_FAILED/)
  expect(said).toMatch(/dice\.ts is TypeScript.*compile it to JavaScript.*--import tsx/)
})

test("a TypeScript plugin loads with NODE_OPTIONS='--import tsx'", async () => {
  const { dataDir, token } = dataDirWith(`  dice:\n    module: ${fixture('dice.ts')}\n`)
  // From the chathub folder `--import tsx` finds it; the hub here runs in its data dir.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const p = await serve({ dataDir, env: { NODE_OPTIONS: `--import ${tsx}` } })
  expect(await answerTo(p, token, '/roll 2d6')).toMatch(/^alice rolled 2d6: \d \+ \d = \d+$/)
})

test('the built hub applies plugin migrations: a built-in plugin from dist/, an out-of-tree one from its folder', async () => {
  const { dataDir, token } = dataDirWith(`  totp: {}\n  notes:\n    module: ${fixture('notes/index.ts')}\n`)
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const p = await serve({ dataDir, env: { NODE_OPTIONS: `--import ${tsx}` } })
  expect(await answerTo(p, token, '/note #cli hello')).toBe('1 notes (1 tagged "cli"), 1 starts')
  p.proc.kill('SIGTERM')
  await p.exited
  const db = openDb(join(dataDir, DB_FILE))
  try {
    const rows = db.$client.prepare('SELECT plugin, name FROM plugin_migrations ORDER BY plugin, name').all()
    expect(rows).toEqual([
      { plugin: 'notes', name: '0000_items.sql' },
      { plugin: 'notes', name: '0001_tags.sql' },
      { plugin: 'totp', name: '0000_baseline.sql' },
    ])
  } finally {
    db.$client.close()
  }
})
