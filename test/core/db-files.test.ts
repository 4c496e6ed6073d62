// The database's files are private to their owner, like the server key: chathub.db, -wal and -shm
// are created 0600, and files an older version left 0644 are made 0600 when the database is opened.
import { chmodSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { DB_FILE, openDb } from '#core/db/client'
import { tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8)

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

test('a new data directory: the database, its WAL and its shared-memory file are 0600', async () => {
  const dataDir = tempDir('chathub-modes-')
  const h = (hub = await startHub({}, { dataDir }))
  const alice = await h.connect('alice')
  await alice.create('room')
  await alice.say('room', 'written to the WAL')
  const db = join(dataDir, DB_FILE)
  for (const file of [db, `${db}-wal`, `${db}-shm`]) {
    expect(existsSync(file), file).toBe(true)
    expect(modeOf(file), file).toBe('600')
  }
  expect(modeOf(join(dataDir, 'server.key'))).toBe('600')
})

test('files an older version created 0644 are made 0600 at open', () => {
  const dataDir = tempDir('chathub-modes-')
  const file = join(dataDir, DB_FILE)
  // Keep a connection open so that the -wal and -shm files stay while the modes are loosened.
  const first = openDb(file)
  first.$client.exec(
    "INSERT INTO users (name, kind, is_admin, created_at) VALUES ('x', 'person', 0, 0)",
  )
  const files = [file, `${file}-wal`, `${file}-shm`]
  for (const f of files) chmodSync(f, 0o644)
  const second = openDb(file)
  for (const f of files) expect(modeOf(f), f).toBe('600')
  second.$client.close()
  first.$client.close()
})
