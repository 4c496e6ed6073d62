// One `chathub serve` per data directory: a second one refuses to start (CHATHUB_DATA_DIR_LOCKED,
// naming the directory and the running hub's pid) instead of running and failing every send; admin
// commands keep working beside the hub; a SIGKILLed hub leaves no lock behind.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { DB_FILE, openDb } from '#core/db/client'
import { insertUser } from '#core/users/queries'
import { runCli, tempDir } from '#test/helpers/run-cli'
import { serve, type ServeProcess } from '#test/helpers/serve-process'

/** oclif wraps the error to the terminal width: join its lines before looking for a path. */
const oneLine = (stderr: string) => stderr.replace(/\s*\n\s*›\s*/g, ' ')

const running: ServeProcess[] = []
const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
})
const start = async (dataDir: string) => {
  const p = await serve({ dataDir })
  running.push(p)
  return p
}

const dataDirWithUser = (name: string) => {
  const dataDir = tempDir('chathub-lock-')
  const db = openDb(join(dataDir, DB_FILE))
  const token = issueSession(db, insertUser(db, { name, passwordHash: null }).id, {
    ttlMs: 3600_000,
  }).token
  db.$client.close()
  return { dataDir, token }
}

test(
  'a second serve on the same data directory refuses to start; admin commands still work',
  { timeout: 60_000 },
  async () => {
    const { dataDir, token } = dataDirWithUser('alice')
    const first = await start(dataDir)
    const alice = await ChatClient.connect(first.url, token)
    clients.push(alice)
    await alice.create('room')
    expect((await alice.say('room', 'one')).seq).toBe(1)

    const second = await runCli(['serve', '--port', '0', '--data-dir', dataDir], {
      timeoutMs: 20_000,
    })
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('CHATHUB_DATA_DIR_LOCKED')
    expect(oneLine(second.stderr)).toContain(dataDir)
    expect(oneLine(second.stderr)).toContain(`pid ${first.proc.pid}`)
    expect(second.stdout).not.toContain('listening')

    // The running hub did not notice, and the admin CLI shares the database with it.
    expect((await alice.say('room', 'two')).seq).toBe(2)
    const added = await runCli(['user', 'add', 'bob', '--password-stdin', '--data-dir', dataDir], {
      input: 'correct horse battery\n',
    })
    expect(added.code, added.stderr).toBe(0)
    const created = await runCli(['room', 'create', 'ops', '--data-dir', dataDir])
    expect(created.code, created.stderr).toBe(0)
    await alice.join('ops')
    expect((await alice.say('ops', 'admin-made room works')).seq).toBe(1)
  },
)

test(
  'a SIGKILLed hub leaves no lock: the next serve starts and carries on',
  { timeout: 60_000 },
  async () => {
    const { dataDir, token } = dataDirWithUser('alice')
    const first = await start(dataDir)
    const alice = await ChatClient.connect(first.url, token)
    await alice.create('room')
    expect((await alice.say('room', 'before the crash')).seq).toBe(1)
    first.proc.kill('SIGKILL')
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' })
    await alice.closed()

    const next = await start(dataDir)
    const again = await ChatClient.connect(next.url, token)
    clients.push(again)
    await again.join('room')
    expect((await again.say('room', 'after the restart')).seq).toBe(2)
    // And it holds the directory in its turn.
    const third = await runCli(['serve', '--port', '0', '--data-dir', dataDir], {
      timeoutMs: 20_000,
    })
    expect([third.code, third.stderr.includes('CHATHUB_DATA_DIR_LOCKED')]).toEqual([1, true])
  },
)
