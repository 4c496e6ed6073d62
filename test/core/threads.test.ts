// Threads: replies form threads (a reply to a reply joins its root's thread); the root carries its
// reply count and latest reply; `history` with `thread` pages one thread; followers (the root's
// author, everyone who replied, and who follows it with the `thread` frame) get a `thread` event for
// each reply on every connection.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let h: TestHub
let alice: ChatClient
let bob: ChatClient
let carol: ChatClient

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  )

beforeAll(async () => {
  h = await startHub()
  alice = await h.connect('alice')
  bob = await h.connect('bob')
  carol = await h.connect('carol')
  await alice.create('dev')
  for (const c of [alice, bob, carol]) await c.join('dev')
})
afterAll(() => h.close())

describe('threads', () => {
  test('replies join their root’s thread; the root shows its replies; history pages a thread', async () => {
    const root = await alice.say('dev', 'release on friday?')
    await alice.say('dev', 'unrelated')
    const r1 = await bob.say('dev', 'yes', { replyTo: root.seq })
    const live = await alice.next('message', (f) => f.seq === r1.seq)
    expect(live).toMatchObject({ replyTo: root.seq, thread: root.seq })
    const r2 = await carol.say('dev', 'only after QA', { replyTo: r1.seq })
    expect(await alice.next('message', (f) => f.seq === r2.seq)).toMatchObject({ replyTo: r1.seq, thread: root.seq })
    const r3 = await alice.say('dev', 'agreed', { replyTo: root.seq })

    const page = await bob.history('dev')
    const shown = page.messages.find((m) => m.seq === root.seq)
    expect(shown?.replies).toMatchObject({ count: 3, last: r3.seq })
    expect(shown?.replies?.lastTs).toBeGreaterThan(0)
    expect(page.messages.find((m) => m.seq === r1.seq)?.replies).toBeUndefined()

    const thread = await bob.history('dev', { thread: root.seq })
    expect(thread.messages.map((m) => m.seq)).toEqual([root.seq, r1.seq, r2.seq, r3.seq])
    expect(thread.more).toBe(false)
    const newest = await bob.history('dev', { thread: root.seq, limit: 2 })
    expect(newest.messages.map((m) => m.seq)).toEqual([r2.seq, r3.seq])
    expect(newest.more).toBe(true)
    const older = await bob.history('dev', { thread: root.seq, limit: 2, before: r2.seq })
    expect(older.messages.map((m) => m.seq)).toEqual([root.seq, r1.seq])
    expect(older.more).toBe(false)

    // A deleted reply no longer counts.
    await alice.delete('dev', r3.seq)
    const after = (await bob.history('dev')).messages.find((m) => m.seq === root.seq)
    expect(after?.replies).toMatchObject({ count: 2, last: r2.seq })
  })

  test('followers get a `thread` event on every connection, the author none; follow and unfollow', async () => {
    const root = await alice.say('dev', 'who takes the on-call?')
    // Alice's second device follows no room: the notification reaches it anyway.
    const phone = await h.connect('alice')
    const reply = await bob.say('dev', 'me', { replyTo: root.seq })
    expect(await phone.next('thread')).toEqual({ type: 'thread', room: 'dev', root: root.seq, seq: reply.seq, from: 'bob' })

    const dave = await h.connect('dave')
    await dave.join('dev')
    expect(await dave.followThread('dev', root.seq)).toMatchObject({ following: true, changed: true })
    expect(await dave.followThread('dev', root.seq)).toMatchObject({ changed: false })
    const second = await carol.say('dev', 'me too', { replyTo: reply.seq })
    expect(await dave.next('thread', (f) => f.seq === second.seq)).toMatchObject({ root: root.seq, from: 'carol' })
    // Bob replied, so he follows it; carol wrote this reply and gets no notice of her own.
    expect(await bob.next('thread', (f) => f.seq === second.seq)).toMatchObject({ from: 'carol' })

    await dave.followThread('dev', root.seq, false)
    const third = await bob.say('dev', 'settled', { replyTo: root.seq })
    // Sentinel: a thread dave still follows.
    const other = await dave.say('dev', 'my own thread')
    const sentinel = await alice.say('dev', 'ok', { replyTo: other.seq })
    expect(await dave.next('thread', (f) => f.seq === sentinel.seq)).toMatchObject({ root: other.seq })
    expect(dave.drain().filter((f) => f.type === 'thread' && f.seq === third.seq)).toEqual([])
    expect(carol.drain().filter((f) => f.type === 'thread' && f.seq === second.seq)).toEqual([])
  })

  test('bad thread frames, others’ rooms and replies to nothing get their codes', async () => {
    const root = await alice.say('dev', 'root')
    const reply = await bob.say('dev', 'reply', { replyTo: root.seq })
    expect(await codeOf(carol.followThread('dev', reply.seq))).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    expect(await codeOf(carol.followThread('dev', 99_999))).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    expect(await codeOf(carol.request('thread', { room: 'dev', seq: root.seq } as never))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(carol.request('thread', { room: 'dev', seq: -1, follow: true }))).toBe('CHATHUB_FRAME_INVALID')
    expect(await codeOf(carol.request('thread', { room: 'Dev!', seq: 1, follow: true }))).toBe('CHATHUB_FRAME_INVALID')
    await alice.create('hidden', { private: true })
    const secret = await alice.say('hidden', 'secret root')
    expect(await codeOf(carol.followThread('hidden', secret.seq))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await codeOf(carol.history('hidden', { thread: secret.seq }))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await codeOf(carol.say('dev', 'to nothing', { replyTo: 99_999 }))).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    expect(await codeOf(carol.request('history', { room: 'dev', thread: 0 }))).toBe('CHATHUB_FRAME_INVALID')
    // A thread that does not exist is an empty page, like history before the first message.
    expect(await carol.history('dev', { thread: 99_999 })).toMatchObject({ messages: [], more: false })
  })
})
