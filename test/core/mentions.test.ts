// Mentions against a real hub: `@name` of a member (any case, not inside words or addresses) and
// `@room` from moderators and owners are stored with the message, shown in its view, counted in the
// rooms list until read, re-resolved by an edit and dropped by a delete; each mentioned user gets a
// `mention` event on every connection (following the room or not), and the event stream a `mention`.
// Bots write through the same path. Non-members, unknown names and members' `@room` mention nobody.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import type { HubEvent } from '#core/messages/events'
import { mentionedNames } from '#core/messages/mentions'
import { createHubApi } from '#core/plugins/hub-api'
import type { EventOf, RoomSummary } from '#core/protocol/messages'
import { insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let alice: ChatClient
let bob: ChatClient
/** bob's second device: authenticated, follows no room. */
let bobPhone: ChatClient
let carol: ChatClient
let dave: ChatClient
const events: HubEvent[] = []

const summary = async (client: ChatClient, room: string): Promise<RoomSummary | undefined> =>
  (await client.rooms()).rooms.find((r) => r.name === room)

/** The view of message `seq` as history shows it. */
const stored = async (client: ChatClient, room: string, seq: number) =>
  (await client.history(room, { before: seq + 1, limit: 1 })).messages[0]

beforeAll(async () => {
  hub = await startHub()
  hub.hub.events.subscribe((e) => events.push(e))
  ;[alice, bob, bobPhone, carol, dave] = await Promise.all([
    hub.connect('alice'),
    hub.connect('bob'),
    hub.connect('bob'),
    hub.connect('carol'),
    hub.connect('dave'),
  ])
  await alice.create('lobby')
  for (const c of [alice, bob, dave]) await c.join('lobby')
  await alice.setRole('lobby', 'dave', 'moderator')
})
afterAll(() => hub.close())

test('what counts as a mention in text', () => {
  expect(mentionedNames('@bob hi, @Carol. and (@dave) @bob')).toEqual(['bob', 'carol.', 'dave'])
  expect(
    mentionedNames('mail bob@example.org, x@bob, /@bob, a.@bob, @bob@irc, @' + 'b'.repeat(33)),
  ).toEqual([])
  expect(mentionedNames('@room, @r2-d2_ and @a.b-c')).toEqual(['room', 'r2-d2_', 'a.b-c'])
  expect(mentionedNames('standup, @Room.')).toEqual(['room'])
  expect(mentionedNames('no at sign at all')).toEqual([])
})

test('@name of a member: stored with the message, a mention event on every connection of theirs', async () => {
  bob.drain()
  bobPhone.drain()
  const { seq } = await alice.say('lobby', 'hey @BOB, look (and @alice, @bob. again)')
  const live = await bob.next('message', (m) => m.seq === seq)
  expect(live.mentions).toEqual(['bob'])
  const mention = { type: 'mention', room: 'lobby', seq, from: 'alice' }
  expect(await bob.next('mention')).toEqual(mention)
  // The phone follows no room: it gets the mention, not the message.
  expect(await bobPhone.next('mention')).toEqual(mention)
  expect(bobPhone.drain().filter((f) => f.type === 'message')).toEqual([])
  expect((await stored(alice, 'lobby', seq))?.mentions).toEqual(['bob'])
  expect(events.filter((e) => e.type === 'mention')).toEqual([
    { type: 'mention', room: 'lobby', roomSeq: seq, seq, from: 'alice', user: 'bob' },
  ])
  // Mentioning oneself is no mention.
  expect(alice.drain().filter((f) => f.type === 'mention')).toEqual([])
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: 1, mentions: 1 })
  expect(await summary(alice, 'lobby')).toMatchObject({ unread: 0, mentions: 0 })
})

test('non-members, unknown users, addresses and words mention nobody', async () => {
  carol.drain()
  const { seq } = await alice.say(
    'lobby',
    '@carol is not here, @ghost never was, mail carol@example.org or @carolyn',
  )
  expect((await stored(alice, 'lobby', seq))?.mentions).toBeUndefined()
  // carol joins: now she is mentioned (her first mention event is this one, not the earlier).
  await carol.join('lobby')
  const next = await alice.say('lobby', 'welcome @carol')
  expect(await carol.next('mention')).toMatchObject({ seq: next.seq })
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 1, mentions: 1 })
})

test('@room: every member from a moderator or the owner; plain text from a member', async () => {
  await carol.read('lobby', 1e6)
  await bob.read('lobby', 1e6)
  await dave.read('lobby', 1e6)
  const plain = await bob.say('lobby', 'hello @room')
  expect((await stored(bob, 'lobby', plain.seq))?.mentions).toBeUndefined()
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 1, mentions: 0 })

  carol.drain()
  const loud = await dave.say('lobby', '@room standup in 5, @bob you lead')
  const live = await carol.next('message', (m) => m.seq === loud.seq)
  expect(live.mentions).toEqual(['bob', '@room'])
  expect(await carol.next('mention')).toEqual({
    type: 'mention',
    room: 'lobby',
    seq: loud.seq,
    from: 'dave',
  })
  expect((await stored(carol, 'lobby', loud.seq))?.mentions).toEqual(['bob', '@room'])
  for (const c of [alice, bob, carol])
    expect(await summary(c, 'lobby')).toMatchObject({ mentions: 1 })
  expect(await summary(dave, 'lobby')).toMatchObject({ unread: 1, mentions: 0 })
  const streamed = events.filter(
    (e): e is Extract<HubEvent, { type: 'mention' }> => e.type === 'mention' && e.seq === loud.seq,
  )
  expect(streamed.map((e) => e.user).sort()).toEqual(['alice', 'bob', 'carol'])

  const owner = await alice.say('lobby', '@ROOM too')
  expect((await stored(bob, 'lobby', owner.seq))?.mentions).toEqual(['@room'])
  expect(await summary(dave, 'lobby')).toMatchObject({ mentions: 1 })
})

test('an edit re-resolves mentions, a delete drops them; unread mention counts follow', async () => {
  for (const c of [alice, bob, carol, dave]) await c.read('lobby', 1e6)
  const { seq } = await alice.say('lobby', 'ping @bob')
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: 1, mentions: 1 })
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 1, mentions: 0 })

  // carol is added by the edit (she is told), bob taken out (his count drops).
  carol.drain()
  bob.drain()
  await alice.edit('lobby', seq, 'ping @carol instead')
  expect(await carol.next('mention')).toEqual({
    type: 'mention',
    room: 'lobby',
    seq,
    from: 'alice',
  })
  expect(await bob.next('edited', (e) => e.seq === seq)).toMatchObject({
    text: 'ping @carol instead',
    mentions: ['carol'],
  })
  expect(bob.drain().filter((f) => f.type === 'mention')).toEqual([])
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: 1, mentions: 0 })
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 1, mentions: 1 })
  expect((await stored(bob, 'lobby', seq))?.mentions).toEqual(['carol'])

  // Still mentioning carol: no second event for her (the sentinel's comes first).
  await alice.edit('lobby', seq, 'ping @carol, really')
  const sentinel = await alice.say('lobby', 'sentinel @carol')
  expect(await carol.next('mention')).toMatchObject({ seq: sentinel.seq })

  await alice.delete('lobby', seq)
  await alice.delete('lobby', sentinel.seq)
  expect(await summary(carol, 'lobby')).toMatchObject({ unread: 0, mentions: 0 })
  expect((await stored(bob, 'lobby', seq))?.mentions).toBeUndefined()
  const rows = hub.hub.db.$client
    .prepare('SELECT count(*) AS n FROM mentions WHERE seq IN (?, ?)')
    .get(seq, sentinel.seq)
  expect(rows).toEqual({ n: 0 })
})

test('reading clears the mention count; a bot writes through the same path', async () => {
  await alice.say('lobby', '@bob one more')
  expect(await summary(bob, 'lobby')).toMatchObject({ mentions: 1 })
  const marker = await bob.read('lobby', 1e6)
  expect(marker).toMatchObject({ unread: 0, mentions: 0 })

  insertUser(hub.hub.db, { name: 'helper', passwordHash: null, kind: 'bot' })
  const actor = createHubApi(hub.hub)('tests').actAs('helper')
  await actor.join('lobby')
  bobPhone.drain()
  const ack = await actor.say({ room: 'lobby', text: 'done, @bob', txn: 'bot-1' })
  expect(await bobPhone.next('mention')).toEqual({
    type: 'mention',
    room: 'lobby',
    seq: ack.seq,
    from: 'helper',
  })
  expect(await summary(bob, 'lobby')).toMatchObject({ unread: 1, mentions: 1 })
  // A retry of the same txn stores nothing and mentions nobody again (the sentinel comes first).
  await actor.say({ room: 'lobby', text: 'done, @bob', txn: 'bot-1' })
  const sentinel = await alice.say('lobby', '@bob sentinel')
  expect(await bobPhone.next('mention')).toMatchObject({ seq: sentinel.seq, from: 'alice' })
})

test('a direct message mentions its peer', async () => {
  const { room } = await carol.openDirect('bob')
  bobPhone.drain()
  const { seq } = await carol.say(room, '@bob are you there?')
  const got: EventOf<'mention'> = await bobPhone.next('mention')
  expect(got).toEqual({ type: 'mention', room, seq, from: 'carol' })
  expect(await summary(bob, room)).toMatchObject({ unread: 1, mentions: 1 })
})
