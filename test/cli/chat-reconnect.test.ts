// `chathub chat` survives a hub crash: the real `chathub serve` is SIGKILLed under an open chat,
// restarted on the same port and data dir, and the chat reconnects, resumes the room, shows what
// others send (also what was sent before it got back) and keeps sending.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { DB_FILE, openDb } from '#core/db/client'
import { insertUser } from '#core/users/queries'
import { startCli, tempDir } from '#test/helpers/run-cli'
import { type ServeProcess, serveOn } from '#test/helpers/serve-process'

const running: ServeProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
})

test(
  'the chat reconnects after the hub is killed and restarted, and shows messages again',
  { timeout: 20_000 },
  async () => {
    const dataDir = tempDir('chathub-reconnect-')
    const db = openDb(join(dataDir, DB_FILE))
    const token = (name: string) =>
      issueSession(db, insertUser(db, { name, passwordHash: null }).id, { ttlMs: 3600_000 }).token
    const bobToken = token('bob')
    const carolToken = token('carol')
    db.$client.close()

    const first = await serveOn(dataDir, 0, running)
    const bob = await ChatClient.connect(first.url, bobToken)
    await bob.create('r')
    await bob.join('r')
    await bob.say('r', 'before the crash')

    const home = tempDir('chathub-home-')
    mkdirSync(home, { recursive: true })
    writeFileSync(
      join(home, 'credentials.json'),
      JSON.stringify({ server: first.url, user: 'carol', token: carolToken, expiresAt: null }),
      {
        mode: 0o600,
      },
    )
    const chat = startCli(['chat', '--room', 'r'], { env: { CHATHUB_HOME: home } })
    await chat.waitFor(/\* online: bob \(you are carol\)\n/, 15_000)
    expect(chat.stdout()).toMatch(/^#1 \d\d:\d\d bob: before the crash$/m)

    first.proc.kill('SIGKILL')
    await first.exited
    await chat.waitFor(/^\* connection lost; reconnecting…$/m)

    const second = await serveOn(dataDir, first.port, running)
    expect(second.url).toBe(first.url)
    // Most likely sent before the chat is back (it retries with back-off), so it comes with the resume;
    // either way it is shown exactly once.
    const bob2 = await ChatClient.connect(second.url, bobToken)
    await bob2.join('r')
    await bob2.say('r', 'while you were away')
    await chat.waitFor(/^\* reconnected$/m, 15_000)
    await chat.waitFor(/^#2 \d\d:\d\d bob: while you were away$/m)
    await bob2.say('r', 'live after the restart')
    await chat.waitFor(/^#3 \d\d:\d\d bob: live after the restart$/m)

    chat.write('carol is back\n')
    expect(await bob2.next('message', (m) => m.from === 'carol')).toMatchObject({
      text: 'carol is back',
      seq: 4,
    })
    const done = await chat.end()
    expect(done.code, done.stderr).toBe(0)
    // Each message shown once: no duplicates from the replay.
    expect(done.stdout.match(/while you were away/g)).toHaveLength(1)
    await Promise.all([bob.close(), bob2.close()])
  },
)
