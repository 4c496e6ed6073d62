// The client CLI against a running hub: login/logout, whoami, rooms, join/leave/invite, send, history.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { httpCall } from '#core/client/sdk'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'

const PASSWORD = 'correct horse battery'

let hub: TestHub
let home: string
const cli = (args: string[], input?: string) => runCli(args, { input, env: { CHATHUB_HOME: home } })

beforeEach(async () => {
  hub = await startHub()
  home = tempDir('chathub-home-')
  await hub.addUser('alice', PASSWORD)
  return () => hub.close()
})

test(
  'login stores a 0600 session; whoami, rooms and history use it; logout revokes it',
  { timeout: 120_000 },
  async () => {
    const [notLoggedIn, wrong, noTty, badUrl] = await Promise.all([
      cli(['whoami', '--json']),
      cli(
        ['login', '--server', hub.url, '--user', 'alice', '--password-stdin', '--json'],
        'not the password\n',
      ),
      cli(['login', '--server', hub.url, '--user', 'alice']),
      cli(
        ['login', '--server', 'ftp://example.org', '--user', 'alice', '--password-stdin', '--json'],
        `${PASSWORD}\n`,
      ),
    ])
    expect([notLoggedIn.code, errorCode(notLoggedIn)]).toEqual([1, 'CHATHUB_NOT_LOGGED_IN'])
    expect([wrong.code, errorCode(wrong)]).toEqual([1, 'CHATHUB_AUTH_FAILED'])
    expect(noTty.stderr).toContain('CHATHUB_PASSWORD_REQUIRED')
    expect(errorCode(badUrl)).toBe('CHATHUB_SERVER_URL_INVALID')

    const login = await cli(
      ['login', '--server', hub.url, '--user', 'alice', '--password-stdin', '--json'],
      `${PASSWORD}\n`,
    )
    expect(login.code, login.stderr).toBe(0)
    expect(json(login)).toMatchObject({ server: hub.url, user: 'alice', admin: false })
    expect(login.stdout).not.toMatch(/token/i)
    const file = join(home, 'credentials.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const { token } = JSON.parse(readFileSync(file, 'utf8')) as { token: string }
    expect(token).toMatch(/\S{20,}/)

    // Rooms: one public, one private (invisible to alice), with history written by bob.
    const bob = await hub.connect('bob')
    await bob.create('general', { topic: 'hello' })
    await bob.create('secret', { private: true })
    for (let i = 1; i <= 5; i++) await bob.say('general', `message ${i}`)

    const [whoami, rooms, history, page, hidden] = await Promise.all([
      cli(['whoami', '--json']),
      cli(['rooms', '--json']),
      cli(['history', '--room', 'general', '--json']),
      cli(['history', '--room', 'general', '--limit', '2', '--before', '5']),
      cli(['history', '--room', 'secret', '--json']),
    ])
    expect(json(whoami)).toEqual({ server: hub.url, user: 'alice', admin: false, kind: 'person' })
    expect(json(rooms)).toEqual([
      expect.objectContaining({ name: 'general', private: false, topic: 'hello', members: 1 }),
    ])
    const all = json<{ messages: { seq: number; from: string; text: string }[]; more: boolean }>(
      history,
    )
    expect(all.messages.map((m) => [m.seq, m.from, m.text])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [i, 'bob', `message ${i}`]),
    )
    expect(all.more).toBe(false)
    expect(page.stdout).toMatch(
      /^#3 \d\d:\d\d bob: message 3\n#4 \d\d:\d\d bob: message 4\n\(older: chathub history --room general --before 3\)\n$/,
    )
    expect(errorCode(hidden)).toBe('CHATHUB_ROOM_NOT_FOUND')

    const logout = await cli(['logout', '--json'])
    expect(logout.code, logout.stderr).toBe(0)
    expect(json(logout)).toMatchObject({ user: 'alice', revoked: true })
    await expect(httpCall(hub.url, '/api/v1/me', { token })).rejects.toMatchObject({
      code: 'CHATHUB_TOKEN_INVALID',
    })
    const after = await cli(['whoami'])
    expect(after.code).toBe(1)
    expect(after.stderr).toContain('CHATHUB_NOT_LOGGED_IN')
  },
)

test(
  'join, send (argument, stdin, idempotent txn), invite and leave',
  { timeout: 120_000 },
  async () => {
    const login = await cli(
      ['login', '--server', hub.url, '--user', 'alice', '--password-stdin'],
      `${PASSWORD}\n`,
    )
    expect(login.code, login.stderr).toBe(0)
    const bob = await hub.connect('bob')
    await bob.create('general')
    await bob.join('general')
    await bob.create('ops', { private: true })
    await bob.invite('ops', 'alice')

    const [notMember, unknown] = await Promise.all([
      cli(['send', '--room', 'general', 'too early', '--json']),
      cli(['join', 'nope', '--json']),
    ])
    expect(errorCode(notMember)).toBe('CHATHUB_ROOM_NOT_MEMBER')
    expect(errorCode(unknown)).toBe('CHATHUB_ROOM_NOT_FOUND')
    const [join1, join2] = await Promise.all([
      cli(['join', 'general', '--json']),
      cli(['join', 'ops']),
    ])
    expect(json(join1)).toMatchObject({ room: 'general', seq: 0 })
    expect(join2.code, join2.stderr).toBe(0)

    const first = await cli(['send', '--room', 'general', 'hello', 'bob', '--json'])
    expect(json(first)).toMatchObject({ room: 'general', seq: 1, duplicate: false })
    expect(await bob.next('message', (m) => m.seq === 1)).toMatchObject({
      from: 'alice',
      text: 'hello bob',
    })
    const piped = await cli(['send', '--room', 'general'], 'line one\nline two\n')
    expect(piped.stdout).toContain('sent #2 to general')
    expect(await bob.next('message', (m) => m.seq === 2)).toMatchObject({
      text: 'line one\nline two',
    })

    const [once, twice, empty] = await Promise.all([
      cli(['send', '--room', 'general', '--txn', 'deploy-42', 'deployed', '--json']),
      cli(['send', '--room', 'general', '--txn', 'deploy-42', 'deployed', '--json']),
      cli(['send', '--room', 'general', '--json'], '\n'),
    ])
    const a = json<{ seq: number; duplicate: boolean }>(once)
    const b = json<{ seq: number; duplicate: boolean }>(twice)
    expect(a.seq).toBe(b.seq)
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true])
    expect(errorCode(empty)).toBe('CHATHUB_MESSAGE_EMPTY')

    const carol = await hub.connect('carol')
    const [invite, forbidden] = await Promise.all([
      cli(['invite', 'general', 'carol', '--json']),
      cli(['invite', 'ops', 'carol', '--json']),
    ])
    const leave = await cli(['leave', 'ops'])
    expect(json(invite)).toEqual({ room: 'general', user: 'carol' })
    expect(await carol.next('invited')).toMatchObject({ room: 'general', by: 'alice' })
    expect(errorCode(forbidden)).toBe('CHATHUB_FORBIDDEN')
    expect(leave.stdout).toContain('left ops')
    expect((await bob.members('ops')).members.map((m) => m.user)).toEqual(['bob'])
    expect((await bob.history('general')).messages.map((m) => m.text)).toEqual([
      'hello bob',
      'line one\nline two',
      'deployed',
    ])
  },
)
