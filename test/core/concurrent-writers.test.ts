// Several processes on one database file: the hub, CLI commands, a second CLI command. A writer
// that finds the write lock taken waits its turn (busy timeout) instead of failing with
// SQLITE_BUSY, and processes opening a new data directory at once all get a migrated database.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterEach, expect, test } from 'vitest'
import { openDb, writeTransaction } from '#core/db/client'
import { rooms } from '#core/db/schema/rooms'
import { createRoom, listAllRooms } from '#core/rooms/queries'
import { insertUser } from '#core/users/queries'
import { runCli } from '#test/helpers/run-cli'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-writers-'))
  dirs.push(dir)
  return join(dir, 'chathub.db')
}

const HELD_ROOM = "INSERT INTO rooms (name, is_private, topic, kind, created_at) VALUES ('held', 0, '', 'room', 0)"

/**
 * Another connection (a thread standing in for another process) takes the write lock, runs `write`,
 * and commits after `holdMs`, or when `release()` is called if `holdMs` is Infinity. Resolves once
 * the lock is held; `committed` once it is released.
 */
const holdWriteLock = async (file: string, holdMs: number, write = HELD_ROOM) => {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const Database = require(workerData.driver)
     const db = new Database(workerData.file)
     db.exec('BEGIN IMMEDIATE')
     db.prepare(workerData.write).run()
     parentPort.postMessage('locked')
     const commit = () => { db.exec('COMMIT'); db.close(); parentPort.postMessage('committed') }
     if (workerData.holdMs === null) parentPort.once('message', commit)
     else setTimeout(commit, workerData.holdMs)`,
    {
      eval: true,
      workerData: {
        file,
        holdMs: Number.isFinite(holdMs) ? holdMs : null,
        write,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      },
    },
  )
  const committed = new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => m === 'committed' && resolve())
    worker.on('error', reject)
  })
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('error', reject)
  })
  return { committed, release: () => worker.postMessage('release') }
}

test('a transaction that reads before it writes waits for another writer instead of failing', async () => {
  const file = tempFile()
  const db = openDb(file)
  const { committed } = await holdWriteLock(file, 300)
  // Reads first (does the name exist?), then inserts: under BEGIN DEFERRED this is SQLITE_BUSY at once.
  const room = createRoom(db, { name: 'general', isPrivate: false, topic: '', ownerId: null })
  await committed
  expect(room.name).toBe('general')
  expect(listAllRooms(db).map((r) => r.name).sort()).toEqual(['general', 'held'])
  db.$client.close()
})

test('writeTransaction takes the write lock at BEGIN, so what it reads is what it writes over', async () => {
  const file = tempFile()
  const db = openDb(file)
  const { committed } = await holdWriteLock(file, 200)
  const seen = writeTransaction(db, (tx) => {
    const names = tx.select({ name: rooms.name }).from(rooms).all()
    tx.insert(rooms).values({ name: `after-${names.length}`, isPrivate: false, topic: '' }).run()
    return names.map((r) => r.name)
  })
  // The transaction began after the other writer committed, so it saw that writer's room.
  expect(seen).toEqual(['held'])
  await committed
  expect(listAllRooms(db).map((r) => r.name).sort()).toEqual(['after-1', 'held'])
  db.$client.close()
})

test('two processes adding the same user: the second is told the name exists', async () => {
  const file = tempFile()
  const db = openDb(file)
  const { committed } = await holdWriteLock(
    file,
    200,
    "INSERT INTO users (name, is_admin, kind, created_at) VALUES ('bob', 0, 'person', 0)",
  )
  expect(() => insertUser(db, { name: 'bob', passwordHash: null })).toThrow(
    expect.objectContaining({ code: 'CHATHUB_USER_EXISTS' }),
  )
  await committed
  db.$client.close()
})

test('a CLI command that waits out the busy timeout fails with CHATHUB_DATABASE_BUSY and changes nothing', { timeout: 60_000 }, async () => {
  const file = tempFile()
  openDb(file).$client.close()
  const dataDir = dirname(file)
  // Held until the command has given up, however long the process takes to start on a busy machine.
  const { committed, release } = await holdWriteLock(file, Infinity)
  const busy = await runCli(['room', 'create', 'ops', '--json', '--data-dir', dataDir], { timeoutMs: 60_000 })
  release()
  expect(busy.code).toBe(1)
  expect(JSON.parse(busy.stdout).error).toMatchObject({ code: 'CHATHUB_DATABASE_BUSY', retryAfter: 1 })
  await committed
  const db = openDb(file)
  expect(listAllRooms(db).map((r) => r.name)).toEqual(['held'])
  db.$client.close()
})

test('processes opening a new data directory at the same moment all get a migrated database', { timeout: 60_000 }, async () => {
  const fixture = fileURLToPath(new URL('../fixtures/db/open-at.ts', import.meta.url))
  const open = (file: string, at: number) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=chathub-source', '--import', 'tsx', fixture, file, String(at)], {
        env: { ...process.env, TSX_DISABLE_CACHE: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('close', () => resolve(out.trim()))
    })
  // Before the fix, about one process in six failed (SQLITE_BUSY switching to WAL, or a migration
  // applied twice); three rounds of six make a regression all but certain to show.
  for (let round = 0; round < 3; round++) {
    const file = tempFile()
    const at = Date.now() + 3000
    const results = await Promise.all(Array.from({ length: 6 }, () => open(file, at)))
    expect(results).toEqual(Array(6).fill('opened'))
    const db = openDb(file)
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(listAllRooms(db)).toEqual([])
    db.$client.close()
  }
})
