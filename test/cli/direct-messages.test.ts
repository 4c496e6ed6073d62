// Direct messages from the command line, as whole processes against a running hub: `chathub dm`
// (argument, stdin, --txn, --json, errors), `chathub rooms`, `chathub history --dm`, `chathub chat
// --dm` (and a DM showing up in another chat), and what the admin `room` commands do with them.
import { beforeEach, expect, test } from 'vitest'
import type { EventOf, RoomSummary } from '#core/protocol/messages'
import { findUser } from '#core/users/queries'
import { credentialsHome, errorCode, json, runCli, startCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'


let hub: TestHub
/** A CHATHUB_HOME holding a session for `name` (as `chathub login` would write it). */
const homeFor = (name: string): Record<string, string> => credentialsHome(hub.url, name, hub.token(name))

beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

test('dm sends from arguments or stdin, the peer gets it live; rooms and history --dm show it', { timeout: 120_000 }, async () => {
  const bob = await hub.connect('bob') // connected, and does nothing
  const alice = homeFor('alice')
  hub.token('carol')
  const ids = ['alice', 'bob'].map((n) => findUser(hub.hub.db, n)?.id ?? 0).sort((a, b) => a - b)
  const room = `dm-${ids[0]}-${ids[1]}`

  const first = await runCli(['dm', 'bob', 'lunch', 'at', 'noon?'], { env: alice })
  expect(first.code, first.stderr).toBe(0)
  expect(first.stdout).toBe('sent #1 to bob\n')
  expect(await bob.next('message', (m: EventOf<'message'>) => m.room === room)).toMatchObject({ seq: 1, from: 'alice', text: 'lunch at noon?' })

  const [piped, keyed] = await Promise.all([
    runCli(['dm', 'bob'], { env: alice, input: 'from a pipe\n' }),
    runCli(['dm', 'bob', 'once', '--txn', 'k-1', '--json'], { env: alice }),
  ])
  expect(piped.code, piped.stderr).toBe(0)
  expect(json(keyed)).toMatchObject({ user: 'bob', room, duplicate: false, txn: 'k-1' })
  const again = await runCli(['dm', 'bob', 'once', '--txn', 'k-1'], { env: alice })
  expect(again.stdout).toMatch(/^sent #\d to bob \(already sent before\)\n$/)

  const [self, ghost, empty, rooms, listed] = await Promise.all([
    runCli(['dm', 'alice', 'me?', '--json'], { env: alice }),
    runCli(['dm', 'ghost', 'hi', '--json'], { env: alice }),
    runCli(['dm', 'bob', '--json'], { env: alice, input: '' }),
    runCli(['rooms', '--json'], { env: alice }),
    runCli(['rooms'], { env: homeFor('bob') }),
  ])
  expect(errorCode(self)).toBe('CHATHUB_DIRECT_SELF')
  expect(errorCode(ghost)).toBe('CHATHUB_USER_NOT_FOUND')
  expect(errorCode(empty)).toBe('CHATHUB_MESSAGE_EMPTY')
  expect(json<RoomSummary[]>(rooms)).toEqual([
    { name: room, private: true, kind: 'direct', peer: 'bob', topic: '', members: 2, seq: 3, role: 'member', unread: 0, mentions: 0 },
  ])
  // Bob has not read alice's three messages yet.
  expect(listed.stdout).toMatch(new RegExp(`^${room}\\s+direct\\s+2 members\\s+member\\s+with alice  \\(3 unread\\)\\n$`))

  const [history, page, none, both] = await Promise.all([
    runCli(['history', '--dm', 'bob'], { env: alice }),
    runCli(['history', '--dm', 'alice', '--limit', '1', '--json'], { env: homeFor('bob') }),
    runCli(['history', '--dm', 'carol', '--json'], { env: alice }),
    runCli(['history', '--dm', 'bob', '--room', 'general'], { env: alice }),
  ])
  expect(history.code, history.stderr).toBe(0)
  expect(history.stdout).toMatch(/^#1 \d\d:\d\d alice: lunch at noon\?$/m)
  expect(history.stdout).toMatch(/^#\d \d\d:\d\d alice: from a pipe$/m)
  expect(json(page)).toMatchObject({ room, more: true, messages: [{ seq: 3 }] })
  expect(errorCode(none)).toBe('CHATHUB_DIRECT_NOT_FOUND')
  expect(both.code).not.toBe(0)
  // carol sees none of it.
  const carolRooms = await runCli(['rooms', '--json'], { env: homeFor('carol') })
  expect(json(carolRooms)).toEqual([])
})

test('chat --dm chats in the conversation; a DM shows up in a chat in another room', { timeout: 120_000 }, async () => {
  const alice = await hub.connect('alice')
  hub.token('bob')
  await alice.create('general')
  const { room } = await alice.openDirect('bob')
  await alice.say(room, 'hi bob')

  const piped = await runCli(['chat', '--dm', 'alice'], { env: homeFor('bob'), input: 'hi alice\n' })
  expect(piped.code, piped.stderr).toBe(0)
  expect(piped.stdout).toContain('— direct with alice — 1 message')
  expect(piped.stdout).toMatch(/^#1 \d\d:\d\d alice: hi bob$/m)
  expect(await alice.next('message', (m) => m.room === room && m.from === 'bob')).toMatchObject({ text: 'hi alice' })

  const chat = startCli(['chat', '--room', 'general'], { env: homeFor('bob') })
  await chat.waitFor(/\* online: /, 60_000)
  await alice.say(room, 'are you there?')
  await chat.waitFor(/^\* @alice: are you there\? \(\/switch @alice\)\n/m)
  const done = await chat.end()
  expect(done.code, done.stderr).toBe(0)

  const [neither, self] = await Promise.all([
    runCli(['chat'], { env: homeFor('bob') }),
    runCli(['chat', '--dm', 'bob'], { env: homeFor('bob') }),
  ])
  expect(neither.code).not.toBe(0)
  expect(self.stderr).toContain('CHATHUB_DIRECT_SELF')
})

test('admin room commands: list marks direct rooms with their participants; create refuses their names; delete', { timeout: 120_000 }, async () => {
  const alice = await hub.connect('alice')
  hub.token('bob')
  await alice.create('general', { topic: 'everything' })
  const { room } = await alice.openDirect('bob')
  await alice.say(room, 'private words')
  const admin = (args: string[]) => runCli([...args, '--data-dir', hub.dataDir])

  const [list, text, members, info, create] = await Promise.all([
    admin(['room', 'list', '--json']),
    admin(['room', 'list']),
    admin(['room', 'members', room, '--json']),
    admin(['room', 'info', room]),
    admin(['room', 'create', room, '--json']),
  ])
  expect(json(list)).toEqual([
    expect.objectContaining({ name: room, kind: 'direct', private: true, members: 2, seq: 1, participants: ['alice', 'bob'] }),
    expect.objectContaining({ name: 'general', kind: 'room', private: false, members: 1 }),
  ])
  expect(json<{ name: string }[]>(list)[1]).not.toHaveProperty('participants')
  expect(text.stdout).toMatch(new RegExp(`^${room}\\s+direct\\s+2 members\\s+1 message  between alice and bob$`, 'm'))
  expect(json<{ user: string; role: string }[]>(members).map((m) => [m.user, m.role])).toEqual([
    ['alice', 'member'],
    ['bob', 'member'],
  ])
  expect(info.stdout).toContain(`${room} (direct, between alice and bob)`)
  expect(errorCode(create)).toBe('CHATHUB_ROOM_NAME_RESERVED')

  const deleted = await admin(['room', 'delete', room])
  expect(deleted.stdout).toBe(`deleted the direct conversation ${room} between alice and bob and its history\n`)
  expect(await alice.next('kicked', (k) => k.room === room)).toMatchObject({ by: 'admin', reason: 'room deleted' })
  // Opening it again starts afresh.
  expect(await alice.openDirect('bob')).toMatchObject({ room, seq: 0, created: true })
})
