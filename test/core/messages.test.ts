// Messages: gap-free sequence numbers, idempotent sends, history by cursor, resume after being
// offline (exactly the missed messages), edits and deletes, typing and presence.
import { beforeEach, describe, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'
import { ONLINE_IN_JOIN, TYPING_RELAY_MS } from '#core/rooms/room-service'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq)
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('sequence and idempotency', () => {
  test('concurrent senders get a gap-free increasing sequence, stored once per txn', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => hub.connect(n)))
    await a!.create('room')
    await b!.join('room')
    await c!.join('room')
    const sends = [a!, b!, c!].flatMap((cl, i) =>
      range(1, 100).map((n) => cl.say('room', `${i}-${n}`, { txn: `${i}-${n}` })),
    )
    // Retries of already-sent txns, interleaved.
    const retries = range(1, 20).map((n) => a!.say('room', `0-${n}`, { txn: `0-${n}` }))
    const acks = await Promise.all(sends)
    const again = await Promise.all(retries)
    expect([...seqs(acks)].sort((x, y) => x - y)).toEqual(range(1, 300))
    expect(again.map((r) => r.seq)).toEqual(acks.slice(0, 20).map((r) => r.seq))
    expect(again.every((r) => r.duplicate)).toBe(true)
    const later = await a!.say('room', 'after', { txn: 'after' })
    expect(later.seq).toBe(301)
    await sendGarbage(b!)
  })
})

describe('history', () => {
  test('pages by cursor: before, limit and more', async () => {
    const alice = await hub.connect('alice')
    await alice.create('room')
    await Promise.all(range(1, 25).map((n) => alice.say('room', `m${n}`, { txn: `t${n}` })))
    const newest = await alice.history('room', { limit: 10 })
    expect(seqs(newest.messages)).toEqual(range(16, 25))
    expect(newest.more).toBe(true)
    const older = await alice.history('room', { before: 16, limit: 10 })
    expect(seqs(older.messages)).toEqual(range(6, 15))
    const oldest = await alice.history('room', { before: 6, limit: 10 })
    expect(seqs(oldest.messages)).toEqual(range(1, 5))
    expect(oldest.more).toBe(false)
    expect(oldest.messages[0]).toMatchObject({
      room: 'room',
      seq: 1,
      from: 'alice',
      text: expect.stringMatching(/^m/),
    })
    // Same over HTTP.
    const res = await fetch(`${hub.url}/api/v1/rooms/room/messages?before=16&limit=10`, {
      headers: { authorization: `Bearer ${hub.token('alice')}` },
    })
    const body = (await res.json()) as { messages: { seq: number }[]; more: boolean }
    expect(seqs(body.messages)).toEqual(range(6, 15))
    expect(body.more).toBe(true)
    await sendGarbage(alice)
  })
})

describe('resume', () => {
  const resumeAfterOffline = async (total: number) => {
    const alice = await hub.connect('alice')
    const carol = await hub.connect('carol')
    let bob = await hub.connect('bob')
    await alice.create('room')
    await carol.join('room')
    await bob.join('room')
    await alice.say('room', 'before bob left')
    await bob.next('message')
    const since = bob.lastSeq.get('room') ?? 0
    expect(since).toBe(1)
    await bob.close()

    // Others send while bob is away; they keep sending while bob resumes.
    const offline = range(1, total).map((n) =>
      (n % 2 ? alice : carol).say('room', `offline ${n}`, { txn: `o${n}` }),
    )
    await Promise.all(offline)
    bob = await ChatClient.connect(hub.url, hub.token('bob'))
    const seen: EventOf<'message'>[] = []
    bob.on('message', (m: EventOf<'message'>) => seen.push(m))
    const during = range(1, 50).map((n) => alice.say('room', `during ${n}`, { txn: `d${n}` }))
    const replayed = await bob.resume('room', since)
    await Promise.all(during)
    const last = await alice.say('room', 'the end', { txn: 'end' })
    await bob.next('message', (m) => m.seq === last.seq)
    expect(replayed.length).toBeGreaterThanOrEqual(total)
    expect(seqs(replayed)).toEqual(range(2, 1 + replayed.length))
    // Replay then live: every message after `since`, once, in order.
    expect(seqs(seen)).toEqual(range(since + 1, last.seq))
    const texts = seen.slice(0, total).map((m) => m.text ?? '')
    expect(texts.sort()).toEqual(
      range(1, total)
        .map((n) => `offline ${n}`)
        .sort(),
    )
    await sendGarbage(bob)
    await bob.close()
  }

  test('a client offline while others send 1000 messages gets exactly the missed ones, in order', async () => {
    await resumeAfterOffline(1000)
  })

  describe('with replayMax 100', () => {
    test('the replay comes in pages (more: true) and the client asks again until it has everything', async () => {
      await hub.close()
      hub = await startHub({ limits: { replayMax: 100 } })
      const alice = await hub.connect('alice')
      await alice.create('paged')
      await Promise.all(range(1, 250).map((n) => alice.say('paged', `m${n}`, { txn: `t${n}` })))
      const dave = await hub.connect('dave')
      const first = await dave.join('paged', 0)
      expect(first).toMatchObject({ replayed: 100, more: true, seq: 100 })
      const second = await dave.join('paged', 100)
      expect(second).toMatchObject({ replayed: 100, more: true, seq: 200 })
      const third = await dave.join('paged', 200)
      expect(third).toMatchObject({ replayed: 50, more: false, seq: 250 })
      await resumeAfterOffline(300)
    })
  })
})

describe('edits and deletes', () => {
  test('authors edit and delete their own; moderators delete any; others are refused; all live and in history', async () => {
    const owner = await hub.connect('owner')
    const mod = await hub.connect('mod')
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await owner.create('room')
    for (const c of [mod, alice, bob]) await c.join('room')
    await owner.request('role', { room: 'room', user: 'mod', role: 'moderator' })
    const a1 = await alice.say('room', 'first draft')
    const a2 = await alice.say('room', 'regrettable')
    const b1 = await bob.say('room', 'spam')

    await alice.edit('room', a1.seq, 'final text')
    expect(await bob.next('edited')).toMatchObject({
      room: 'room',
      seq: a1.seq,
      text: 'final text',
    })
    expect((await refusal(bob.edit('room', a1.seq, 'hijacked'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(mod.edit('room', a1.seq, 'mod edit'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(bob.delete('room', a2.seq))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(alice.edit('room', 999, 'nope'))).code).toBe('CHATHUB_MESSAGE_NOT_FOUND')

    await alice.delete('room', a2.seq)
    expect(await bob.next('deleted', (d) => d.seq === a2.seq)).toMatchObject({ by: 'alice' })
    await mod.delete('room', b1.seq)
    expect(await alice.next('deleted', (d) => d.seq === b1.seq)).toMatchObject({ by: 'mod' })
    expect((await refusal(alice.edit('room', a2.seq, 'undelete'))).code).toBe(
      'CHATHUB_MESSAGE_NOT_FOUND',
    )

    const page = (await bob.history('room')).messages
    expect(page.find((m) => m.seq === a1.seq)).toMatchObject({
      text: 'final text',
      editedAt: expect.any(Number),
    })
    expect(page.find((m) => m.seq === a2.seq)).toMatchObject({
      text: null,
      deletedAt: expect.any(Number),
    })
    expect(page.find((m) => m.seq === b1.seq)).toMatchObject({
      text: null,
      deletedAt: expect.any(Number),
    })
    await sendGarbage(bob)
  })
})

describe('resume replays edits and deletes', () => {
  test('a client offline while old messages are edited and deleted gets each change once, then the new messages', async () => {
    const alice = await hub.connect('alice')
    const mod = await hub.connect('mod')
    let bob = await hub.connect('bob')
    await alice.create('room')
    await mod.join('room')
    await alice.request('role', { room: 'room', user: 'mod', role: 'moderator' })
    await bob.join('room')
    for (const n of range(1, 5)) await alice.say('room', `m${n}`)
    await alice.edit('room', 1, 'seen live')
    await bob.next('edited', (e) => e.seq === 1)
    await bob.next('message', (m) => m.seq === 5)
    const since = bob.lastSeq.get('room') ?? 0
    const rev = bob.lastRev.get('room') ?? 0
    expect({ since, rev }).toEqual({ since: 5, rev: 1 })
    await bob.close()

    // While bob is away: edits and deletes of messages he has, a new message, and an edit of it.
    await alice.edit('room', 2, 'm2 edited once')
    await alice.edit('room', 2, 'm2 edited twice')
    await mod.delete('room', 3)
    await alice.say('room', 'm6')
    await alice.edit('room', 6, 'm6 edited')

    bob = await ChatClient.connect(hub.url, hub.token('bob'))
    bob.lastSeq.set('room', since)
    bob.lastRev.set('room', rev)
    const events: { type: string; seq: number; text?: string | null; by?: string }[] = []
    for (const type of ['message', 'edited', 'deleted'] as const) {
      bob.on(type, (e: EventOf<typeof type>) => events.push({ type, seq: e.seq, text: 'text' in e ? e.text : undefined, ...('by' in e ? { by: e.by } : {}) }))
    }
    await bob.resume('room')
    // Only the latest state of each changed message, oldest change first; m6 comes whole, as edited.
    expect(events).toEqual([
      { type: 'edited', seq: 2, text: 'm2 edited twice' },
      { type: 'deleted', seq: 3, text: undefined, by: 'mod' },
      { type: 'message', seq: 6, text: 'm6 edited' },
    ])
    expect(bob.lastRev.get('room')).toBe(5)
    // Nothing changed since: a second resume replays nothing.
    events.length = 0
    const again = await bob.join('room', 6, 5)
    expect(again).toMatchObject({ replayed: 0, more: false, seq: 6, rev: 5 })
    expect(events).toEqual([])
    for (const bad of [-1, 1.5, 'x', null]) {
      const err = await refusal(bob.request('join', { room: 'room', since: 6, rev: bad as number }))
      expect(err.code).toBe('CHATHUB_FRAME_INVALID')
    }
    await sendGarbage(bob)
  })

  test('with replayMax 10, 25 changes come in pages and a change made between pages is not lost', async () => {
    await hub.close()
    hub = await startHub({ limits: { replayMax: 10 } })
    const alice = await hub.connect('alice')
    await alice.create('room')
    for (const n of range(1, 30)) await alice.say('room', `m${n}`)
    const first = await alice.join('room', 30, 0)
    expect(first).toMatchObject({ rev: 0, replayed: 0 })
    for (const n of range(1, 25)) await alice.edit('room', n, `e${n}`)
    const dave = await hub.connect('dave')
    const edited: number[] = []
    dave.on('edited', (e: EventOf<'edited'>) => edited.push(e.seq))
    const page1 = await dave.join('room', 30, 0)
    expect(page1).toMatchObject({ more: true, replayed: 10, seq: 30, rev: 10 })
    await alice.edit('room', 1, 'changed between pages')
    const page2 = await dave.join('room', 30, 10)
    expect(page2).toMatchObject({ more: true, replayed: 10, rev: 20 })
    const page3 = await dave.join('room', 30, 20)
    // e21..e25 and the newer edit of message 1 (rev 26).
    expect(page3).toMatchObject({ more: false, replayed: 6, rev: 26 })
    expect(edited).toEqual([...range(1, 25), 1])
  })
})

describe('typing and presence', () => {
  test('typing indicators and online/offline presence reach room members', async () => {
    const alice = await hub.connect('alice')
    await alice.create('room')
    await alice.join('room')
    const bob = await hub.connect('bob')
    const ack = await bob.join('room')
    expect(ack.online).toEqual(['alice', 'bob'])
    expect(ack.onlineCount).toBe(2)
    expect(await alice.next('presence', (p) => p.user === 'bob')).toMatchObject({
      room: 'room',
      status: 'online',
    })
    await bob.typing('room')
    expect(await alice.next('typing')).toEqual({ type: 'typing', room: 'room', user: 'bob' })
    const members = (await alice.members('room')).members
    expect(members).toEqual([
      { user: 'alice', role: 'owner', online: true },
      { user: 'bob', role: 'member', online: true },
    ])
    // A second socket of bob does not make him "online" twice; closing both makes him offline once.
    const bob2 = await hub.connect('bob')
    await bob2.join('room')
    await bob2.close()
    await sendGarbage(bob)
    await bob.close()
    expect(await alice.next('presence', (p) => p.user === 'bob')).toMatchObject({
      status: 'offline',
    })
    const again = alice.drain().filter((f) => f.type === 'presence' && f.user === 'bob')
    expect(again).toEqual([])
    expect((await alice.members('room')).members.find((m) => m.user === 'bob')?.online).toBe(false)
  })

  test('a join ack in a big room carries the online count and at most ONLINE_IN_JOIN names', async () => {
    const owner = await hub.connect('owner')
    await owner.create('big')
    await owner.join('big')
    const users = Array.from({ length: ONLINE_IN_JOIN + 9 }, (_, i) => `u${String(i).padStart(3, '0')}`)
    const clients = await Promise.all(users.map((u) => hub.connect(u)))
    for (const c of clients) await c.join('big')
    const late = await hub.connect('late')
    const ack = await late.join('big')
    expect(ack.onlineCount).toBe(users.length + 2)
    expect(ack.online).toHaveLength(ONLINE_IN_JOIN)
    // The first to arrive, sorted; everyone is in `members`.
    expect(ack.online).toEqual(['owner', ...users].slice(0, ONLINE_IN_JOIN).sort())
    const members = (await late.members('big')).members
    expect(members.filter((m) => m.online)).toHaveLength(users.length + 2)
    await Promise.all(clients.map((c) => c.close()))
  })

  test('a burst of typing from one user reaches followers once per TYPING_RELAY_MS; every frame is acked', async () => {
    const alice = await hub.connect('alice')
    await alice.create('room')
    await alice.join('room')
    const bob = await hub.connect('bob')
    await bob.join('room')
    const carol = await hub.connect('carol')
    await carol.join('room')
    for (let i = 0; i < 20; i++) await bob.typing('room')
    await carol.typing('room')
    await bob.say('room', 'done typing')
    await alice.next('message', (m) => m.text === 'done typing')
    const typing = alice.drain().filter((f) => f.type === 'typing')
    // Bob's twenty became one; carol's own limit is separate.
    expect(typing).toEqual([
      { type: 'typing', room: 'room', user: 'bob' },
      { type: 'typing', room: 'room', user: 'carol' },
    ])
    await new Promise((r) => setTimeout(r, TYPING_RELAY_MS + 100))
    await bob.typing('room')
    expect(await alice.next('typing', (t) => t.user === 'bob')).toEqual({ type: 'typing', room: 'room', user: 'bob' })
  })

  test('presence changes within limits.presenceBatchMs arrive together; a reconnect inside the window is not announced', async () => {
    // A long window, so that the steps below certainly fall into one (the hub of beforeEach uses 100 ms).
    const slow = await startHub({ limits: { presenceBatchMs: 2500 } })
    try {
      const alice = await slow.connect('alice')
      await alice.create('room')
      await alice.join('room')
      const bob = await slow.connect('bob')
      await bob.join('room')
      expect(await alice.next('presence', (p) => p.user === 'bob', 10_000)).toMatchObject({ status: 'online' })
      alice.drain()

      // Bob's connection drops and he is back at once; three others come online meanwhile.
      await bob.close()
      const bobAgain = await slow.connect('bob')
      const ack = await bobAgain.join('room')
      expect(ack.online).toEqual(['alice', 'bob'])
      const others = await Promise.all(['carol', 'dave', 'erin'].map((n) => slow.connect(n)))
      for (const o of others) await o.join('room')
      expect(alice.drain().filter((f) => f.type === 'presence')).toEqual([])

      await alice.next('presence', (p) => p.user === 'erin', 10_000)
      const presence = [
        { type: 'presence', room: 'room', user: 'erin', status: 'online' },
        ...alice.drain().filter((f) => f.type === 'presence'),
      ]
      expect(presence.map((p) => (p as EventOf<'presence'>).user).sort()).toEqual(['carol', 'dave', 'erin'])
      expect(presence.every((p) => (p as EventOf<'presence'>).status === 'online')).toBe(true)
      // Going offline is batched the same way and still announced.
      await others[0]!.close()
      expect(await alice.next('presence', (p) => p.user === 'carol', 10_000)).toMatchObject({ status: 'offline' })
      expect(alice.drain().filter((f) => f.type === 'presence')).toEqual([])
    } finally {
      await slow.close()
    }
  })

  test('with limits.presenceBatchMs 0 each change is announced at once, a reconnect too', async () => {
    const eager = await startHub({ limits: { presenceBatchMs: 0 } })
    try {
      const alice = await eager.connect('alice')
      await alice.create('room')
      await alice.join('room')
      const bob = await eager.connect('bob')
      await bob.join('room')
      await bob.close()
      const bobAgain = await eager.connect('bob')
      await bobAgain.join('room')
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await alice.next('presence', (p) => p.user === 'bob')).status)
      expect(statuses).toEqual(['online', 'offline', 'online'])
    } finally {
      await eager.close()
    }
  })
})
