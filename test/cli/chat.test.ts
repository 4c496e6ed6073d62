// `chathub chat` driven through pipes: history, live messages, typing, presence, sending, EOF, revocation.
import { beforeEach, expect, test } from 'vitest'
import { revokeSessions } from '#core/auth/session-store'
import { findUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { credentialsHome, runCli, startCli } from '#test/helpers/run-cli'

let hub: TestHub
/** A CHATHUB_HOME holding a session for `name` (as `chathub login` would write it). */
const homeFor = (name: string): Record<string, string> => credentialsHome(hub.url, name, hub.token(name))

beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

test(
  'shows the last 20 messages and who is online, then live messages, typing and presence; sends typed lines',
  { timeout: 120_000 },
  async () => {
    const bob = await hub.connect('bob')
    await bob.create('general')
    await bob.join('general')
    for (let i = 1; i <= 25; i++) await bob.say('general', `old ${i}`)

    const chat = startCli(['chat', '--room', 'general'], { env: homeFor('carol') })
    await chat.waitFor(/\* online: bob \(you are carol\)\n/, 60_000)
    const shown = chat.stdout()
    expect(shown).toContain('— general — 25 messages')
    expect(shown).not.toMatch(/^#5 /m)
    for (let i = 6; i <= 25; i++)
      expect(shown).toMatch(new RegExp(`^#${i} \\d\\d:\\d\\d bob: old ${i}$`, 'm'))
    expect(await bob.next('presence', (p) => p.user === 'carol')).toMatchObject({
      status: 'online',
    })

    chat.write('hello from carol\n')
    expect(await bob.next('message', (m) => m.from === 'carol')).toMatchObject({
      text: 'hello from carol',
      seq: 26,
    })

    await bob.typing('general')
    await chat.waitFor(/^bob is typing…$/m)
    await bob.say('general', 'live from bob')
    await chat.waitFor(/^#27 \d\d:\d\d bob: live from bob$/m)
    const dave = await hub.connect('dave')
    await dave.join('general')
    await chat.waitFor(/^\* dave is online$/m)
    await dave.close()
    await chat.waitFor(/^\* dave went offline$/m)

    chat.write('/nosuchcommand\nsecond line\n')
    const done = await chat.end()
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain('CHATHUB_COMMAND_UNKNOWN')
    // Its own lines are not echoed back; every line was acked before the exit.
    expect(done.stdout).not.toContain('carol: hello from carol')
    const texts = (await bob.history('general', { limit: 3 })).messages.map((m) => [m.from, m.text])
    expect(texts).toEqual([
      ['carol', 'hello from carol'],
      ['bob', 'live from bob'],
      ['carol', 'second line'],
    ])
  },
)

test(
  'piped lines are sent in order and the chat ends at EOF; a revoked session ends it with an error',
  { timeout: 120_000 },
  async () => {
    const bob = await hub.connect('bob')
    await bob.create('general')
    const [piped, unknown] = await Promise.all([
      runCli(['chat', '--room', 'general'], {
        env: homeFor('carol'),
        input: 'one\ntwo\n\nthree\n',
      }),
      runCli(['chat', '--room', 'nope'], { env: homeFor('carol') }),
    ])
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stdout).toContain('— general — 0 messages')
    expect((await bob.history('general')).messages.map((m) => [m.seq, m.from, m.text])).toEqual([
      [1, 'carol', 'one'],
      [2, 'carol', 'two'],
      [3, 'carol', 'three'],
    ])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('CHATHUB_ROOM_NOT_FOUND')

    const chat = startCli(['chat', '--room', 'general'], { env: homeFor('dave') })
    await chat.waitFor(/\* online: /, 60_000)
    const dave = findUser(hub.hub.db, 'dave')
    if (!dave) throw new Error('no dave')
    revokeSessions(hub.hub.db, { userId: dave.id })
    const ended = await chat.exited
    expect(ended.code).toBe(1)
    expect(ended.stderr).toContain('CHATHUB_TOKEN_INVALID')
  },
)
