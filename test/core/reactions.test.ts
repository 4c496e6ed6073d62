// Reactions: a write like a say (checked, committed, fanned out, on the event stream), shown in
// history with counts and who, caught up after `rev` as each message's reactions as they are now.
// Garbage, non-members, others' rooms, deleted messages and the limits answer with their codes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import type { HubEvent } from '#core/messages/events'
import { createHubApi } from '#core/plugins/hub-api'
import { MAX_EMOJI_PER_MESSAGE, MAX_REACTIONS_PER_USER } from '#core/reactions/reactions'
import { findUser, insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket } from './support.ts'

let h: TestHub
let alice: ChatClient
let bob: ChatClient
const events: HubEvent[] = []

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  )

/** Distinct single-code-point emoji (the emoticons block). */
const emoji = (i: number) => String.fromCodePoint(0x1f600 + i)

beforeAll(async () => {
  h = await startHub()
  h.hub.events.subscribe((e) => events.push(e))
  alice = await h.connect('alice')
  bob = await h.connect('bob')
  await alice.create('fun')
  await alice.join('fun')
  await bob.join('fun')
})
afterAll(() => h.close())

describe('reactions', () => {
  test('add, add again, remove: acks, live events to followers, history, the event stream', async () => {
    const { seq } = await alice.say('fun', 'ship it?')
    const added = await bob.react('fun', seq, '👍')
    expect(added).toMatchObject({ room: 'fun', seq, emoji: '👍', changed: true })
    const live = await alice.next('reaction', (f) => f.seq === seq)
    expect(live).toMatchObject({ room: 'fun', seq, emoji: '👍', user: 'bob', added: true })
    expect(live.rev).toBeGreaterThan(0)

    // The same reaction again changes nothing and sends nothing (a sentinel proves it).
    expect(await bob.react('fun', seq, '👍')).toMatchObject({ changed: false })
    await alice.react('fun', seq, '👍')
    expect(await alice.next('reaction', (f) => f.seq === seq)).toMatchObject({ user: 'alice', added: true })

    const page = await alice.history('fun')
    const message = page.messages.find((m) => m.seq === seq)
    expect(message?.reactions).toEqual([{ emoji: '👍', count: 2, users: ['bob', 'alice'] }])

    expect(await bob.react('fun', seq, '👍', { remove: true })).toMatchObject({ changed: true })
    expect(await alice.next('reaction', (f) => f.seq === seq)).toMatchObject({ user: 'bob', added: false })
    expect(await bob.react('fun', seq, '👍', { remove: true })).toMatchObject({ changed: false })
    const after = (await bob.history('fun')).messages.find((m) => m.seq === seq)
    expect(after?.reactions).toEqual([{ emoji: '👍', count: 1, users: ['alice'] }])

    const stream = events.filter((e) => e.type === 'reaction' && e.seq === seq)
    expect(stream.map((e) => e.type === 'reaction' && [e.user, e.added])).toEqual([
      ['bob', true],
      ['alice', true],
      ['bob', false],
    ])
    expect(stream[0]?.roomSeq).toBeGreaterThanOrEqual(seq)
  })

  test('one emoji per reaction, normalised: skin tones, flags and sequences; ❤ and ❤️ are one', async () => {
    const { seq } = await alice.say('fun', 'emoji')
    for (const e of ['👍🏽', '🇫🇷', '👨‍👩‍👧', '#️⃣']) expect(await bob.react('fun', seq, e)).toMatchObject({ emoji: e, changed: true })
    expect(await bob.react('fun', seq, '❤')).toMatchObject({ emoji: '❤️', changed: true })
    expect(await alice.react('fun', seq, '❤️')).toMatchObject({ emoji: '❤️', changed: true })
    const view = (await alice.history('fun')).messages.find((m) => m.seq === seq)
    expect(view?.reactions?.find((r) => r.emoji === '❤️')).toEqual({ emoji: '❤️', count: 2, users: ['bob', 'alice'] })
  })

  test('garbage, missing auth, non-members, others’ private rooms and deleted messages get their codes', async () => {
    const { seq } = await alice.say('fun', 'target')
    expect(await codeOf(bob.react('fun', seq, 'abc'))).toBe('CHATHUB_REACTION_INVALID')
    expect(await codeOf(bob.react('fun', seq, '👍👍'))).toBe('CHATHUB_REACTION_INVALID')
    expect(await codeOf(bob.react('fun', seq, '👍 '))).toBe('CHATHUB_REACTION_INVALID')
    expect(await codeOf(bob.react('fun', seq, 'x'.repeat(33)))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.react('fun', seq, ''))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.request('react', { room: 'fun', seq: 0, emoji: '👍' }))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.request('react', { room: 'fun', seq: 'one', emoji: '👍' } as never))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.request('react', { room: 'fun', seq, emoji: '👍', remove: 'yes' } as never))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.request('react', { room: 'fun', seq, emoji: '👍', extra: 1 } as never))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(bob.react('fun', seq + 1000, '👍'))).toBe('CHATHUB_MESSAGE_NOT_FOUND')

    const carol = await h.connect('carol')
    expect(await codeOf(carol.react('fun', seq, '👍'))).toBe('CHATHUB_ROOM_NOT_MEMBER')
    await alice.create('secret', { private: true })
    const hidden = await alice.say('secret', 'psst')
    expect(await codeOf(carol.react('secret', hidden.seq, '👍'))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await codeOf(carol.react('nowhere', 1, '👍'))).toBe('CHATHUB_ROOM_NOT_FOUND')

    // Not authenticated: the frame is refused before anything else.
    const raw = await rawSocket(h.url)
    raw.ws.send(JSON.stringify({ type: 'react', ref: 'r', room: 'fun', seq, emoji: '👍' }))
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({ code: 'CHATHUB_AUTH_REQUIRED', ref: 'r' })

    // A deleted message takes no reactions, and forgets who reacted to it.
    await bob.react('fun', seq, '🎉')
    await alice.delete('fun', seq)
    expect(await codeOf(bob.react('fun', seq, '👍'))).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    const rows = h.hub.db.$client
      .prepare('SELECT count(*) AS n FROM reactions r JOIN messages m ON m.id = r.message_id WHERE m.seq = ?')
      .get(seq) as { n: number }
    expect(rows.n).toBe(0)
    expect((await alice.history('fun')).messages.find((m) => m.seq === seq)?.reactions).toBeUndefined()
  })

  test('limits: per user on a message, and distinct emoji on a message', async () => {
    const { seq } = await alice.say('fun', 'react to me a lot')
    for (let i = 0; i < MAX_REACTIONS_PER_USER; i++) await bob.react('fun', seq, emoji(i))
    expect(await codeOf(bob.react('fun', seq, emoji(MAX_REACTIONS_PER_USER)))).toBe('CHATHUB_REACTION_LIMIT')
    // One bob has is still a no-op, not a refusal; others may still add theirs.
    expect(await bob.react('fun', seq, emoji(0))).toMatchObject({ changed: false })
    const clients = [alice, await h.connect('dave')]
    await clients[1]?.join('fun')
    let next = MAX_REACTIONS_PER_USER
    for (const c of clients) {
      for (let i = 0; i < MAX_REACTIONS_PER_USER && next < MAX_EMOJI_PER_MESSAGE; i++) await c.react('fun', seq, emoji(next++))
    }
    const erin = await h.connect('erin')
    await erin.join('fun')
    expect(await codeOf(erin.react('fun', seq, emoji(MAX_EMOJI_PER_MESSAGE)))).toBe('CHATHUB_REACTION_LIMIT')
    // An emoji already on the message is not a new kind: erin may add it.
    expect(await erin.react('fun', seq, emoji(0))).toMatchObject({ changed: true })
  })

  test('catch-up after rev: each changed message’s reactions as they are now (with its edit first)', async () => {
    const first = await alice.say('fun', 'before the break')
    const second = await alice.say('fun', 'second')
    const at = await alice.join('fun')
    await bob.react('fun', first.seq, '🔥')
    await bob.react('fun', second.seq, '👀')
    await bob.react('fun', second.seq, '👀', { remove: true })
    await alice.edit('fun', first.seq, 'before the break (edited)')

    const late = await h.connect('alice')
    const ack = await late.join('fun', at.seq, at.rev)
    expect(ack.replayed).toBeGreaterThan(0)
    const replay = late.drain().filter((f) => 'seq' in f && (f.seq === first.seq || f.seq === second.seq))
    expect(replay.map((f) => [f.type, 'seq' in f ? f.seq : 0])).toEqual([
      ['reactions', second.seq],
      ['edited', first.seq],
      ['reactions', first.seq],
    ])
    expect(replay[2]).toMatchObject({ reactions: [{ emoji: '🔥', count: 1, users: ['bob'] }] })
    expect(replay[0]).toMatchObject({ reactions: [] })
  })

  test('plugins react through ctx.hub with the same checks', async () => {
    const bot = findUser(h.hub.db, 'helper-bot') ?? insertUser(h.hub.db, { name: 'helper-bot', passwordHash: null, kind: 'bot' })
    expect(bot.kind).toBe('bot')
    const actor = createHubApi(h.hub)('bots').actAs('helper-bot')
    const { seq } = await alice.say('fun', 'bots may react')
    expect(await codeOf(actor.react('fun', seq, '🤖'))).toBe('CHATHUB_ROOM_NOT_MEMBER')
    await actor.join('fun')
    expect((await actor.react('fun', seq, '🤖')).reaction).toEqual({ emoji: '🤖', changed: true })
    expect(await alice.next('reaction', (f) => f.seq === seq)).toMatchObject({ user: 'helper-bot', emoji: '🤖' })
    expect(await codeOf(actor.react('fun', seq, 'nope'))).toBe('CHATHUB_REACTION_INVALID')
  })
})
