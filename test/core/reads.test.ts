// Read markers, unread counts and read receipts against a real hub: a member's marker only moves
// forward and stops at the newest message, the user's other connections hear of it, the rooms list
// (frame and HTTP) counts what is unread after it, and receipts are announced — coalesced — only in
// rooms that turned them on. Garbage, non-members, other people's private rooms and banned users are
// refused with their codes.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import { type ChatClient, httpCall } from '#core/client/sdk'
import type { HubEvent } from '#core/messages/events'
import type { ReadMarker, RoomSummary, ServerFrame } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

let hub: TestHub
let alice: ChatClient
let bob: ChatClient
/** bob's second device: authenticated, follows nothing. */
let bobPhone: ChatClient
let carol: ChatClient
let outsider: ChatClient
const events: HubEvent[] = []

const summary = async (client: ChatClient, room: string): Promise<RoomSummary | undefined> =>
  (await client.rooms()).rooms.find((r) => r.name === room)

const sayMany = async (client: ChatClient, room: string, texts: string[]): Promise<number[]> => {
  const seqs: number[] = []
  for (const text of texts) seqs.push((await client.say(room, text)).seq)
  return seqs
}

beforeAll(async () => {
  hub = await startHub()
  hub.hub.events.subscribe((e) => events.push(e))
  ;[alice, bob, bobPhone, carol, outsider] = await Promise.all([
    hub.connect('alice'),
    hub.connect('bob'),
    hub.connect('bob'),
    hub.connect('carol'),
    hub.connect('otto'),
  ])
  await alice.create('lobby')
  await alice.create('vault', { private: true })
  await alice.join('lobby')
  await bob.join('lobby')
})
afterAll(() => hub.close())

test('the marker moves forward only, stops at the newest message, and reaches the other devices', async () => {
  const seqs = await sayMany(alice, 'lobby', ['one', 'two', 'three', 'four', 'five'])
  expect(seqs).toEqual([1, 2, 3, 4, 5])
  expect(await summary(bob, 'lobby')).toMatchObject({ seq: 5, unread: 5, mentions: 0 })

  const first = await bob.read('lobby', 3)
  expect(first).toEqual({
    type: 'ack',
    ref: expect.any(String),
    room: 'lobby',
    seq: 3,
    unread: 2,
    mentions: 0,
  })
  expect(await bobPhone.next('read')).toEqual({
    type: 'read',
    room: 'lobby',
    seq: 3,
    unread: 2,
    mentions: 0,
  })

  // Backwards: the stored marker comes back, nothing is announced (the next `read` is the sentinel's).
  expect(await bob.read('lobby', 2)).toMatchObject({ seq: 3, unread: 2 })
  expect(await bob.read('lobby', 3)).toMatchObject({ seq: 3, unread: 2 })
  // Past the newest message: it stops there.
  expect(await bob.read('lobby', 99)).toMatchObject({ seq: 5, unread: 0, mentions: 0 })
  expect(await bobPhone.next('read')).toMatchObject({ seq: 5, unread: 0 })
  expect(bobPhone.drain().filter((f) => f.type === 'read')).toEqual([])
  // The connection that marked gets the ack, not an event.
  expect(bob.drain().filter((f) => f.type === 'read')).toEqual([])
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: 0, mentions: 0 })

  // New messages are unread again; the marker stays where it was.
  await sayMany(alice, 'lobby', ['six', 'seven'])
  expect(await summary(bob, 'lobby')).toMatchObject({ seq: 7, unread: 2 })
  expect(await bob.read('lobby', 1)).toMatchObject({ seq: 5, unread: 2 })
})

test("unread counts leave out one's own and deleted messages; a newcomer starts with the history read", async () => {
  const before = (await summary(bob, 'lobby'))?.unread ?? 0
  const [mine] = await sayMany(bob, 'lobby', ['from bob himself'])
  const [gone, kept] = await sayMany(alice, 'lobby', ['a mistake', 'kept'])
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: before + 2 })
  await alice.delete('lobby', gone ?? 0)
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: before + 1 })
  // An edit changes no count.
  await alice.edit('lobby', kept ?? 0, 'kept, edited')
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: before + 1 })
  expect(mine).toBeGreaterThan(0)

  // carol joins a room with history: nothing of it is news to her; what comes after is.
  await carol.join('lobby')
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 0, mentions: 0 })
  await alice.say('lobby', 'welcome carol')
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 1 })
  // So does someone an admin adds.
  const dave = await hub.connect('dave')
  new AdminService(hub.hub.db).setMember('lobby', 'dave', 'member')
  expect(await summary(dave, 'lobby')).toMatchObject({ role: 'member', unread: 0, mentions: 0 })
  // Where you are not a member there is nothing to count (and no marker to set).
  const seen = await summary(outsider, 'lobby')
  expect(seen).toBeDefined()
  expect(seen).not.toHaveProperty('unread')
  expect(seen).not.toHaveProperty('mentions')
})

test('GET /api/v1/rooms carries the counts; POST /api/v1/rooms/:room/read marks like the frame', async () => {
  const token = hub.token('bob')
  const listed = await httpCall<{ rooms: RoomSummary[] }>(hub.url, '/api/v1/rooms', { token })
  const lobby = listed.rooms.find((r) => r.name === 'lobby')
  expect(lobby).toMatchObject({ unread: (await summary(bob, 'lobby'))?.unread, mentions: 0 })
  expect(lobby?.unread).toBeGreaterThan(0)

  bobPhone.drain()
  bob.drain()
  const marked = await httpCall<ReadMarker>(hub.url, '/api/v1/rooms/lobby/read', {
    token,
    body: { seq: lobby?.seq },
  })
  expect(marked).toEqual({ room: 'lobby', seq: lobby?.seq, unread: 0, mentions: 0 })
  // Every connection of bob's hears of it (the HTTP request had none of its own).
  expect(await bob.next('read')).toMatchObject({ room: 'lobby', seq: lobby?.seq, unread: 0 })
  expect(await bobPhone.next('read')).toMatchObject({ room: 'lobby', seq: lobby?.seq })

  const refused = await Promise.all([
    refusal(
      httpCall(hub.url, '/api/v1/rooms/lobby/read', { token: hub.token('otto'), body: { seq: 1 } }),
    ),
    refusal(httpCall(hub.url, '/api/v1/rooms/vault/read', { token, body: { seq: 1 } })),
    refusal(httpCall(hub.url, '/api/v1/rooms/lobby/read', { token, body: { seq: 0 } })),
    refusal(httpCall(hub.url, '/api/v1/rooms/lobby/read', { token, body: { seq: 'three' } })),
    refusal(httpCall(hub.url, '/api/v1/rooms/lobby/read', { token, body: {} })),
    refusal(httpCall(hub.url, '/api/v1/rooms/lobby/read', { body: { seq: 1 } })),
  ])
  expect(refused.map((e) => e.code)).toEqual([
    'CHATHUB_ROOM_NOT_MEMBER',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_REQUEST_INVALID',
    'CHATHUB_REQUEST_INVALID',
    'CHATHUB_REQUEST_INVALID',
    'CHATHUB_AUTH_REQUIRED',
  ])
})

test('read receipts: off by default; on, the room hears one coalesced receipt per reader; off again, nothing', async () => {
  await alice.create('team')
  await alice.create('quiet')
  for (const c of [alice, bob, carol]) {
    await c.join('team')
    await c.join('quiet')
  }
  await alice.setRole('team', 'carol', 'moderator')
  await sayMany(alice, 'team', ['t1', 't2', 't3', 't4', 't5', 't6'])
  await sayMany(alice, 'quiet', ['q1', 'q2'])

  // Off: nobody learns anyone else's marker.
  expect((await bob.members('team')).members.every((m) => m.read === undefined)).toBe(true)
  expect(await summary(bob, 'team')).not.toHaveProperty('readReceipts')

  // Only owners and moderators turn them on; followers are told.
  expect((await refusal(bob.setReceipts('team', true))).code).toBe('CHATHUB_FORBIDDEN')
  const on = await carol.setReceipts('team', true)
  expect(on).toMatchObject({ room: 'team', enabled: true })
  expect(await bob.next('receipts')).toEqual({
    type: 'receipts',
    room: 'team',
    enabled: true,
    by: 'carol',
  })
  expect(events.filter((e) => e.type === 'room' && e.change === 'receipts')).toEqual([
    expect.objectContaining({ room: 'team', change: 'receipts', readReceipts: true, by: 'carol' }),
  ])
  expect(await summary(outsider, 'team')).toMatchObject({ readReceipts: true })

  // bob reads quiet (off) and team (on) several times in a row: alice hears one receipt, for team,
  // with bob's furthest seq — nothing of quiet, nothing of the steps in between.
  alice.drain()
  await bob.read('quiet', 2)
  for (let seq = 1; seq <= 5; seq++) await bob.read('team', seq)
  const receipt = await alice.next('receipt')
  expect(receipt).toEqual({ type: 'receipt', room: 'team', user: 'bob', seq: 5 })
  expect(alice.drain().filter((f: ServerFrame) => f.type === 'receipt')).toEqual([])

  // A later read is a later receipt; members (only) see everyone's marker.
  await bob.read('team', 6)
  expect(await alice.next('receipt')).toMatchObject({ user: 'bob', seq: 6 })
  const members = (await alice.members('team')).members
  expect(members).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ user: 'bob', read: 6 }),
      expect.objectContaining({ user: 'alice', read: 0 }),
    ]),
  )
  expect((await outsider.members('team')).members.every((m) => m.read === undefined)).toBe(true)

  // Turned off while a receipt waits: it is never sent (the sentinel room's comes in the same window).
  await alice.create('sentinel')
  await alice.join('sentinel')
  await bob.join('sentinel')
  await alice.say('sentinel', 's1')
  await alice.setReceipts('sentinel', true)
  await sayMany(alice, 'team', ['t7'])
  await bob.read('team', 7)
  await carol.setReceipts('team', false)
  await bob.read('sentinel', 1)
  expect(await alice.next('receipt')).toMatchObject({ room: 'sentinel', user: 'bob', seq: 1 })
  expect(alice.drain().filter((f: ServerFrame) => f.type === 'receipt')).toEqual([])
  expect((await alice.members('team')).members.every((m) => m.read === undefined)).toBe(true)
  // Turning it off twice changes nothing (no event: the sentinel's comes first).
  bob.drain()
  await carol.setReceipts('team', false)
  await alice.setReceipts('sentinel', false)
  expect(await bob.next('receipts')).toMatchObject({ room: 'sentinel', enabled: false })
})

test("an admin's `room set --read-receipts` reaches the followers as a receipts event by admin", async () => {
  bob.drain()
  new AdminService(hub.hub.db).updateRoom('team', { readReceipts: true })
  expect(await bob.next('receipts', (e) => e.room === 'team')).toEqual({
    type: 'receipts',
    room: 'team',
    enabled: true,
    by: 'admin',
  })
  expect(await summary(bob, 'team')).toMatchObject({ readReceipts: true })
  new AdminService(hub.hub.db).updateRoom('team', { readReceipts: false })
  expect(await bob.next('receipts', (e) => e.room === 'team')).toMatchObject({
    enabled: false,
    by: 'admin',
  })
})

test('garbage read frames get CHATHUB_FRAME_INVALID; the connection stays usable', async () => {
  const frames: string[] = [
    '{"type":"read","ref":"r1","room":"lobby"}',
    '{"type":"read","ref":"r2","seq":1}',
    '{"type":"read","ref":"r3","room":"lobby","seq":"3"}',
    '{"type":"read","ref":"r4","room":"lobby","seq":1.5}',
    '{"type":"read","ref":"r5","room":"lobby","seq":-1}',
    '{"type":"read","ref":"r6","room":"lobby","seq":0}',
    '{"type":"read","ref":"r7","room":"lobby","seq":1e20}',
    '{"type":"read","ref":"r8","room":"lobby","seq":9007199254740992}',
    '{"type":"read","ref":"r9","room":5,"seq":1}',
    '{"type":"read","ref":"r10","room":"Lobby","seq":1}',
    '{"type":"read","ref":"r11","room":"lobby","seq":null}',
    '{"type":"read","ref":"r12","room":"lobby","seq":1,"user":"alice"}',
    '{"type":"receipts","ref":"r13","room":"team","enabled":"yes"}',
    '{"type":"receipts","ref":"r14","room":"team"}',
  ]
  for (const text of frames) {
    const ref = /"ref":"(r\d+)"/.exec(text)?.[1]
    const seen = bob.next('error', (e) => e.ref === ref)
    bob.sendRaw(text)
    expect([ref, (await seen).code]).toEqual([ref, 'CHATHUB_FRAME_INVALID'])
  }
  await sendGarbage(bob)
  expect((await bob.read('lobby', 1)).room).toBe('lobby')
})

test("non-members, other people's private rooms, banned users and direct rooms: refused with their codes", async () => {
  await alice.create('club')
  await alice.join('club')
  await alice.create('den', { private: true })
  await alice.invite('den', 'otto')
  await outsider.join('den')
  await alice.say('club', 'hi')
  await alice.say('den', 'hi')
  const codes = await Promise.all([
    refusal(outsider.read('club', 1)),
    refusal(bob.read('vault', 1)),
    refusal(bob.read('den', 1)),
    refusal(bob.read('nowhere', 1)),
    refusal(bob.setReceipts('vault', true)),
    refusal(outsider.setReceipts('den', true)),
  ])
  expect(codes.map((c) => c.code)).toEqual([
    'CHATHUB_ROOM_NOT_MEMBER',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_FORBIDDEN',
  ])

  // Banned: from a public room, no longer a member; from a private one, it is invisible again.
  await bob.join('club')
  expect((await bob.read('club', 1)).seq).toBe(1)
  await alice.ban('club', 'bob')
  await alice.ban('den', 'otto')
  const banned = await Promise.all([refusal(bob.read('club', 1)), refusal(outsider.read('den', 1))])
  expect(banned.map((c) => c.code)).toEqual(['CHATHUB_ROOM_NOT_MEMBER', 'CHATHUB_ROOM_NOT_FOUND'])

  // A direct conversation: both may mark it; receipts cannot be turned on there.
  const { room } = await carol.openDirect('alice')
  await carol.say(room, 'psst')
  expect(await alice.read(room, 1)).toMatchObject({ room, seq: 1, unread: 0 })
  expect((await refusal(alice.setReceipts(room, true))).code).toBe('CHATHUB_DIRECT_ROOM_FIXED')
  expect((await refusal(bob.read(room, 1))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
})
