// BotFeed, the plugin's side of one bot, on a real hub (no bot host): its actor is scoped to the bot's
// rooms, only those rooms' events are handed over, the cursor stays before the oldest message the
// bot is not done with (so a follow after a crash hands it over again), replayMissed bounds a
// catch-up, an invite lets it into a room it could not join (or was removed from), and direct rooms
// are found by the id in their name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { createHubApi } from '#core/plugins/hub-api'
import type { HubApi } from '#core/plugin-api'
import { insertUser } from '#core/users/queries'
import { CursorFile } from '#plugins/bots/cursors'
import { BotFeed } from '#plugins/bots/hub-feed'
import type { BotInput } from '#plugins/bots/protocol'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { waitFor } from './helpers.ts'

describe('the feed of one bot', () => {
  let hub: TestHub
  let api: HubApi
  let accountId = 0
  let alice: ChatClient
  const cleanup: (() => void)[] = []

  beforeAll(async () => {
    hub = await startHub()
    api = createHubApi(hub.hub)('bots')
    accountId = insertUser(hub.hub.db, { name: 'feeder', passwordHash: null, kind: 'bot' }).id
    alice = await hub.connect('alice')
    await hub.connect('bob')
    for (const room of ['lobby', 'elsewhere']) {
      await alice.create(room)
      await alice.join(room)
    }
    await alice.create('hidden', { private: true })
    await alice.join('hidden')
  })
  afterEach(() => {
    for (const c of cleanup.splice(0)) c()
  })
  afterAll(() => hub?.close())

  const feedOf = (o: { rooms: string[]; replayMissed?: number; cursors?: Record<string, number> }) => {
    const dir = mkdtempSync(join(tmpdir(), 'chathub-feed-'))
    if (o.cursors) writeFileSync(join(dir, 'feeder.json'), JSON.stringify(o.cursors))
    const inputs: BotInput[] = []
    const directs: string[] = []
    const logs: string[] = []
    const cursors = new CursorFile(dir, 'feeder', (text) => logs.push(text))
    const feed = new BotFeed({
      hub: api,
      name: 'feeder',
      accountId,
      rooms: o.rooms,
      replayMissed: o.replayMissed ?? 100,
      cursors,
      forward: (input) => inputs.push(input),
      direct: (room) => directs.push(room),
      log: (level, text) => logs.push(`${level} ${text}`),
    })
    cleanup.push(() => {
      feed.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const messages = () => inputs.flatMap((i) => (i.kind === 'message' ? [i.message] : []))
    /** Wait for the message `seq` of `room` to be handed over. */
    const handed = (room: string, seq: number) => waitFor(() => messages().some((m) => m.room === room && m.seq === seq), 5000, `message ${seq}`)
    return { feed, inputs, directs, logs, cursors, messages, handed }
  }

  test('acts only in its rooms and hands over only their events', async () => {
    const { feed, messages, handed } = feedOf({ rooms: ['lobby'] })
    expect(await feed.follow()).toBe(true)
    await expect(feed.say('elsewhere', 'hello')).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    let refused: unknown
    try {
      feed.members('elsewhere')
    } catch (err) {
      refused = err
    }
    expect(refused).toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    expect(await feed.say('lobby', 'hello')).toMatchObject({ room: 'lobby', duplicate: false })
    expect(feed.members('lobby').map((m) => m.user).sort()).toEqual(['alice', 'feeder'])
    await alice.say('elsewhere', 'not for the bot')
    const sentinel = await alice.say('lobby', 'for the bot')
    await handed('lobby', sentinel.seq)
    // Its own message was not handed over either.
    expect(messages().map((m) => [m.room, m.text])).toEqual([['lobby', 'for the bot']])
  })

  test('the cursor stays before the oldest message the bot is not done with; a new follow hands that over again', async () => {
    const { feed, messages, cursors, handed } = feedOf({ rooms: ['lobby'] })
    expect(await feed.follow()).toBe(true)
    const start = cursors.get('lobby') ?? -1
    const [a, b, c] = [await alice.say('lobby', 'a'), await alice.say('lobby', 'b'), await alice.say('lobby', 'c')].map((x) => x.seq)
    if (a === undefined || b === undefined || c === undefined) throw new Error('no seqs')
    await handed('lobby', c)
    expect(start).toBe(a - 1)
    feed.done('lobby', c)
    expect(cursors.get('lobby')).toBe(a - 1)
    feed.done('lobby', a)
    expect(cursors.get('lobby')).toBe(a)
    feed.done('lobby', b)
    expect(cursors.get('lobby')).toBe(c)
    // Its own message is done at once.
    const own = await feed.say('lobby', 'mine')
    expect(cursors.get('lobby')).toBe(own.seq)
    // Handed over, not done, then the bot host dies (unfollow): the next follow hands it over again.
    const d = await alice.say('lobby', 'd')
    await handed('lobby', d.seq)
    feed.unfollow()
    const e = await alice.say('lobby', 'e')
    expect(await feed.follow()).toBe(true)
    await handed('lobby', e.seq)
    expect(messages().map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'd', 'e'])
  })

  test('a catch-up hands over only the newest replayMissed, and the log says how many were skipped', async () => {
    const before = await alice.say('lobby', 'seen')
    const sent: number[] = []
    for (const n of [1, 2, 3, 4, 5]) sent.push((await alice.say('lobby', `missed ${n}`)).seq)
    const { feed, messages, logs } = feedOf({ rooms: ['lobby'], replayMissed: 2, cursors: { lobby: before.seq } })
    expect(await feed.follow()).toBe(true)
    expect(messages().map((m) => m.text)).toEqual(['missed 4', 'missed 5'])
    expect(logs).toContain('warn 3 messages missed in "lobby" are not replayed (only the newest 2: replayMissed)')
  })

  test('a room it cannot join is tried again; an invite lets it in at once', async () => {
    const { feed, logs, handed } = feedOf({ rooms: ['hidden'] })
    expect(await feed.follow()).toBe(true)
    expect(logs.some((l) => l.startsWith('error cannot join room "hidden"'))).toBe(true)
    // The retry comes after JOIN_RETRY_MS (2 s); the invite is acted on at once.
    await alice.invite('hidden', 'feeder')
    const m = await alice.say('hidden', 'welcome')
    await waitFor(() => feed.members('hidden').some((x) => x.user === 'feeder'), 1000, 'the bot in the room')
    await handed('hidden', m.seq)
  })

  test('removed from a room, it is handed nothing from there; let in again, it starts at the newest message', async () => {
    const { feed, messages, handed } = feedOf({ rooms: ['hidden'] })
    expect(await feed.follow()).toBe(true)
    await alice.kick('hidden', 'feeder')
    await alice.say('hidden', 'while out')
    await alice.invite('hidden', 'feeder')
    await waitFor(() => feed.members('hidden').some((x) => x.user === 'feeder'), 1000, 'the bot back in the room')
    const m = await alice.say('hidden', 'back')
    await handed('hidden', m.seq)
    expect(messages().map((x) => x.text)).toEqual(['back'])
  })

  test('a direct conversation with its account reaches it from the first message; those of others never do', async () => {
    const { feed, messages, directs, handed } = feedOf({ rooms: ['lobby'] })
    expect(await feed.follow()).toBe(true)
    const { room: theirs } = await alice.openDirect('bob')
    const { room } = await alice.openDirect('feeder')
    expect(feed.ownsDirect(theirs)).toBe(false)
    await alice.say(theirs, 'private')
    const m = await alice.say(room, 'hi bot')
    await handed(room, m.seq)
    expect(directs).toEqual([room])
    expect(messages().map((x) => [x.room, x.text])).toEqual([[room, 'hi bot']])
    expect(feed.ownsDirect(room)).toBe(true)
  })
})
