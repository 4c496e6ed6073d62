// Direct conversations: `dm` opens the same room from either side, the peer's open connections get
// it live without joining, history and resume work as in any room, nobody else can see or touch it
// (every frame type and HTTP route), a direct room's membership is fixed, and bad `dm` frames get
// stable codes. Real hub, real SQLite file, real SDK clients.
import { beforeEach, describe, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient, httpCall } from '#core/client/sdk'
import { rooms as roomsTable } from '#core/db/schema/rooms'
import type { ErrorFrame, RoomSummary } from '#core/protocol/messages'
import { AdminService } from '#core/admin/admin-service'
import { findUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { readAllHistory, refusal, sendGarbage } from './support.ts'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

const idOf = (name: string): number => findUser(hub.hub.db, name)?.id ?? 0
/** A round trip on the socket: every frame the hub sent before now has arrived. */
const settle = (client: ChatClient) => client.rooms()

describe('opening a direct conversation', () => {
  test('is idempotent: both sides get the same room, listed as direct with the peer', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const first = await alice.openDirect('bob')
    expect(first).toMatchObject({ user: 'bob', seq: 0, created: true })
    expect(first.room).toBe(`dm-${Math.min(idOf('alice'), idOf('bob'))}-${Math.max(idOf('alice'), idOf('bob'))}`)
    expect(await alice.openDirect('bob')).toMatchObject({ room: first.room, created: false })
    expect(await bob.openDirect('alice')).toMatchObject({ room: first.room, user: 'alice', created: false })

    await alice.create('general')
    const summary = (c: ChatClient) => c.rooms().then((r) => r.rooms)
    expect(await summary(alice)).toEqual<RoomSummary[]>([
      { name: first.room, private: true, kind: 'direct', peer: 'bob', topic: '', members: 2, seq: 0, role: 'member', unread: 0, mentions: 0 },
      { name: 'general', private: false, kind: 'room', topic: '', members: 1, seq: 0, role: 'owner', unread: 0, mentions: 0 },
    ])
    expect((await summary(bob)).find((r) => r.name === first.room)).toMatchObject({ kind: 'direct', peer: 'alice' })
    // The HTTP listing says the same.
    const listed = await httpCall<{ rooms: RoomSummary[] }>(hub.url, '/api/v1/rooms', { token: hub.token('bob') })
    expect(listed.rooms.map((r) => [r.name, r.kind, r.peer])).toEqual([
      [first.room, 'direct', 'alice'],
      ['general', 'room', undefined],
    ])
    // Members: exactly the two participants, neither an owner.
    expect((await bob.members(first.room)).members.map((m) => [m.user, m.role])).toEqual([
      ['alice', 'member'],
      ['bob', 'member'],
    ])
  })

  test('opened concurrently from both sides, it is still one room', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const [a, b] = await Promise.all([alice.openDirect('bob'), bob.openDirect('alice')])
    expect(a.room).toBe(b.room)
    expect([a.created, b.created].sort()).toEqual([false, true])
  })
})

describe('delivery', () => {
  test("the peer's open connections get messages, typing, edits and deletes live without joining", async () => {
    const bob1 = await hub.connect('bob')
    const bob2 = await hub.connect('bob')
    const alice = await hub.connect('alice')
    const { room } = await alice.openDirect('bob')
    const sent = await alice.say(room, 'psst, bob')
    for (const b of [bob1, bob2]) {
      expect(await b.next('message', (m) => m.room === room)).toMatchObject({ seq: sent.seq, from: 'alice', text: 'psst, bob' })
    }
    await alice.typing(room)
    await bob1.next('typing', (t) => t.room === room && t.user === 'alice')
    await alice.edit(room, sent.seq, 'psst, bob!')
    expect(await bob2.next('edited', (e) => e.room === room)).toMatchObject({ seq: sent.seq, text: 'psst, bob!' })
    await alice.delete(room, sent.seq)
    expect(await bob1.next('deleted', (e) => e.room === room)).toMatchObject({ seq: sent.seq, by: 'alice' })

    // A connection bob opens later follows as soon as something happens in the conversation.
    const bob3 = await hub.connect('bob')
    const again = await alice.say(room, 'still there?')
    expect(await bob3.next('message', (m) => m.room === room)).toMatchObject({ seq: again.seq, text: 'still there?' })
    // And the answer reaches alice on every connection of hers, including one that never opened it.
    const alice2 = await hub.connect('alice')
    const answer = await bob3.say(room, 'yes', { replyTo: again.seq })
    for (const a of [alice, alice2]) {
      expect(await a.next('message', (m) => m.room === room && m.from === 'bob')).toMatchObject({ seq: answer.seq, replyTo: again.seq })
    }
  })

  test('history and resume: a peer who was offline catches up with join since, with no gaps', async () => {
    const alice = await hub.connect('alice')
    hub.token('bob')
    const { room } = await alice.openDirect('bob')
    const bob = await hub.connect('bob')
    const first = await alice.say(room, 'one')
    await bob.next('message', (m) => m.seq === first.seq)
    expect(bob.lastSeq.get(room)).toBe(first.seq)
    await bob.close()
    for (const text of ['two', 'three', 'four']) await alice.say(room, text)

    const back = await ChatClient.connect(hub.url, hub.token('bob'))
    try {
      const ack = await back.join(room, first.seq)
      expect(ack).toMatchObject({ room, replayed: 3, more: false, seq: 4 })
      const replayed = back.drain().flatMap((f) => (f.type === 'message' ? [f.text] : []))
      expect(replayed).toEqual(['two', 'three', 'four'])
      // Live afterwards, once.
      const five = await alice.say(room, 'five')
      expect(await back.next('message', (m) => m.room === room)).toMatchObject({ seq: five.seq, text: 'five' })
      await settle(back)
      expect(back.drain().filter((f) => f.type === 'message')).toEqual([])
      // History over the socket and over HTTP.
      expect((await readAllHistory(back, room)).map((m) => m.text)).toEqual(['one', 'two', 'three', 'four', 'five'])
      const page = await httpCall<{ messages: { text: string }[]; more: boolean }>(
        hub.url,
        `/api/v1/rooms/${room}/messages?limit=2`,
        { token: hub.token('bob') },
      )
      expect(page.messages.map((m) => m.text)).toEqual(['four', 'five'])
      expect(page.more).toBe(true)
      // The SDK's resume after a reconnect: what was missed, in order.
      const sdk = await ChatClient.connect(hub.url, hub.token('bob'))
      await sdk.join(room, 0)
      sdk.drain()
      const lastSeen = sdk.lastSeq.get(room)
      expect(lastSeen).toBe(5)
      await alice.say(room, 'six')
      await sdk.next('message', (m) => m.seq === 6)
      await sdk.reconnect()
      await alice.say(room, 'seven')
      expect(await sdk.next('message', (m) => m.seq === 7)).toMatchObject({ text: 'seven' })
      await sdk.close()
    } finally {
      await back.close()
    }
  })
})

describe('a direct room is invisible to everyone else', () => {
  /** Every frame type that names a room, aimed at `room`. */
  const everyFrame = (c: ChatClient, room: string): [string, () => Promise<unknown>][] => [
    ['join', () => c.join(room)],
    ['join since', () => c.join(room, 0)],
    ['leave', () => c.leave(room)],
    ['say', () => c.say(room, 'hello?')],
    ['say replyTo', () => c.say(room, 'hello?', { replyTo: 1 })],
    ['edit', () => c.edit(room, 1, 'changed')],
    ['delete', () => c.delete(room, 1)],
    ['history', () => c.history(room)],
    ['history before', () => c.history(room, { before: 2, limit: 1 })],
    ['typing', () => c.typing(room)],
    ['members', () => c.members(room)],
    ['invite', () => c.invite(room, 'carol')],
    ['kick', () => c.kick(room, 'alice')],
    ['ban', () => c.ban(room, 'alice')],
    ['unban', () => c.request('unban', { room, user: 'alice' })],
    ['role', () => c.request('role', { room, user: 'alice', role: 'member' })],
  ]

  const answers = async (c: ChatClient, room: string) => {
    const out: Record<string, { code: string; message: string }> = {}
    for (const [name, send] of everyFrame(c, room)) {
      const e = (await refusal(send())) as unknown as ErrorFrame
      out[name] = { code: e.code, message: e.message.replaceAll(room, '<room>') }
    }
    return out
  }

  test('every client frame type from a third user gets CHATHUB_ROOM_NOT_FOUND, as for a room that does not exist', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const carol = await hub.connect('carol', { admin: true }) // not even a hub admin sees it
    const { room } = await alice.openDirect('bob')
    await alice.say(room, 'between us')
    await bob.next('message', (m) => m.room === room)
    await Promise.all([settle(alice), settle(bob)])
    alice.drain()
    bob.drain()

    // An unused name of the same shape is the control: "does not exist".
    const absent = `dm-${idOf('alice')}-${idOf('carol') + 1000}`
    const secret = await answers(carol, room)
    for (const [frame, a] of Object.entries(secret)) {
      expect({ frame, code: a.code }).toEqual({ frame, code: 'CHATHUB_ROOM_NOT_FOUND' })
    }
    expect(secret).toEqual(await answers(carol, absent))
    // Creating it by name is refused the same way whether or not it exists.
    const created = await refusal(carol.create(room))
    const createdAbsent = await refusal(carol.create(absent))
    expect(created.code).toBe('CHATHUB_ROOM_NAME_RESERVED')
    expect(createdAbsent.code).toBe(created.code)
    // Her own conversations are hers: opening one with alice is another room.
    const own = await carol.openDirect('alice')
    expect(own.room).not.toBe(room)
    expect((await carol.rooms()).rooms.map((r) => r.name)).toEqual([own.room])
    expect((await refusal(carol.say(room, 'let me in'))).code).toBe('CHATHUB_ROOM_NOT_FOUND')

    // Nothing reached alice's conversation with bob, and carol received none of it.
    await Promise.all([settle(alice), settle(bob), settle(carol)])
    const leaked = (frames: { type: string; room?: string }[]) =>
      frames.filter((f) => f.room === room && ['message', 'typing', 'joined', 'left', 'edited', 'deleted', 'invited'].includes(f.type))
    expect(leaked(alice.drain() as { type: string; room?: string }[])).toEqual([])
    expect(leaked(bob.drain() as { type: string; room?: string }[])).toEqual([])
    expect(carol.drain().filter((f) => 'room' in f && f.room === room)).toEqual([])
    expect((await readAllHistory(alice, room)).map((m) => m.text)).toEqual(['between us'])
    await sendGarbage(carol)
  })

  test('every HTTP route answers 404 CHATHUB_ROOM_NOT_FOUND to a third user, as for a room that does not exist', async () => {
    const alice = await hub.connect('alice')
    hub.token('bob')
    const { room } = await alice.openDirect('bob')
    const { seq } = await alice.say(room, 'between us')
    const token = hub.token('carol')
    const call = async (method: string, path: string, body?: Buffer) => {
      const res = await fetch(hub.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        ...(body ? { body } : {}),
      })
      const json = (await res.json()) as { code?: string; message?: string; rooms?: { name: string }[] }
      return { status: res.status, code: json.code, message: json.message, rooms: json.rooms }
    }
    expect((await call('GET', '/api/v1/rooms')).rooms?.map((r) => r.name)).toEqual([])
    const absent = `dm-${idOf('alice')}-${idOf('carol') + 1000}`
    const routes: [string, string, Buffer?][] = [
      ['GET', 'messages'],
      ['GET', 'messages?before=2&limit=1'],
      ['GET', 'members'],
      ['POST', 'attachments?name=x.txt', Buffer.from('hello')],
    ]
    for (const [method, route, body] of routes) {
      const secret = await call(method, `/api/v1/rooms/${room}/${route}`, body)
      const missing = await call(method, `/api/v1/rooms/${absent}/${route}`, body)
      expect([route, secret.status, secret.code]).toEqual([route, 404, 'CHATHUB_ROOM_NOT_FOUND'])
      expect({ ...secret, message: secret.message?.replace(room, 'X') }).toEqual({
        ...missing,
        message: missing.message?.replace(absent, 'X'),
      })
    }
    // The participants read it fine.
    const page = await httpCall<{ messages: { seq: number }[] }>(hub.url, `/api/v1/rooms/${room}/messages`, {
      token: hub.token('bob'),
    })
    expect(page.messages.map((m) => m.seq)).toEqual([seq])
  })

  test("a scoped bot token reaches its own account's direct rooms, and only those", async () => {
    const alice = await hub.connect('alice')
    await alice.create('a')
    hub.token('helper')
    hub.token('bob')
    const helperId = idOf('helper')
    const token = issueSession(hub.hub.db, helperId, { ttlMs: null, kind: 'bot', scopes: ['a'] }).token
    const bot = await ChatClient.connect(hub.url, token)
    try {
      // alice talks to the bot; it answers without having joined anything.
      const { room } = await alice.openDirect('helper')
      await alice.say(room, 'hi helper')
      const heard = await bot.next('message', (m) => m.room === room)
      await bot.say(room, `hello ${heard.from}`, { replyTo: heard.seq })
      expect(await alice.next('message', (m) => m.room === room && m.from === 'helper')).toMatchObject({ text: 'hello alice' })
      // The bot can open one itself (an external bot answering by DM).
      const opened = await bot.openDirect('bob')
      await bot.say(opened.room, 'hello bob')
      expect((await bot.rooms()).rooms.map((r) => [r.name, r.kind])).toEqual(
        [['a', 'room'], [room, 'direct'], [opened.room, 'direct']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      )
      // Someone else's conversation stays out of reach.
      const other = await alice.openDirect('bob')
      await alice.say(other.room, 'not for bots')
      expect((await refusal(bot.history(other.room))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
      expect((await refusal(bot.join(other.room, 0))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
      await settle(bot)
      expect(bot.drain().filter((f) => 'room' in f && f.room === other.room)).toEqual([])
    } finally {
      await bot.close()
    }
  })
})

describe('what a direct room cannot do', () => {
  test('invite, kick, ban, unban, role and leave get CHATHUB_DIRECT_ROOM_FIXED; only own messages change', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    hub.token('carol')
    const { room } = await alice.openDirect('bob')
    const refusals: [string, Promise<unknown>][] = [
      ['invite', alice.invite(room, 'carol')],
      ['kick', alice.kick(room, 'bob')],
      ['ban', alice.ban(room, 'bob')],
      ['unban', alice.request('unban', { room, user: 'bob' })],
      ['role', alice.request('role', { room, user: 'bob', role: 'moderator' })],
      ['leave', bob.leave(room)],
    ]
    for (const [name, p] of refusals) expect([name, (await refusal(p)).code]).toEqual([name, 'CHATHUB_DIRECT_ROOM_FIXED'])
    const mine = await alice.say(room, 'mine')
    expect((await refusal(bob.edit(room, mine.seq, 'yours'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(bob.delete(room, mine.seq))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await bob.members(room)).members.map((m) => m.user)).toEqual(['alice', 'bob'])
  })
})

describe('bad dm frames get stable codes and leave the connection usable', () => {
  test('wrong types, missing or extra fields, bad or oversized names, unknown, disabled and self', async () => {
    const alice = await hub.connect('alice')
    hub.token('dora')
    new AdminService(hub.hub.db).disableUser('dora')
    const raw: [string, string][] = [
      ['{"type":"dm","ref":"d1"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d2","user":42}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d3","user":""}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d4","user":"Bob"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d5","user":"bob@irc"}', 'CHATHUB_FRAME_INVALID'],
      [`{"type":"dm","ref":"d6","user":"${'b'.repeat(33)}"}`, 'CHATHUB_FRAME_INVALID'],
      [`{"type":"dm","ref":"d7","user":"${'b'.repeat(100_000)}"}`, 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d8","user":"bob","room":"general"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","ref":"d9","user":["bob"]}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"dm","user":"bob"}', 'CHATHUB_FRAME_INVALID'],
    ]
    for (const [text, code] of raw) {
      if (text.length > hub.config.limits.maxFrameBytes) continue // the socket would close with 1009 (tested elsewhere)
      const ref = /"ref":"(d\d+)"/.exec(text)?.[1]
      const seen = alice.next('error', (e) => (ref ? e.ref === ref : e.ref === undefined && e.code === code))
      alice.sendRaw(text)
      expect([text.slice(0, 60), (await seen).code]).toEqual([text.slice(0, 60), code])
    }
    expect((await refusal(alice.openDirect('nobody'))).code).toBe('CHATHUB_USER_NOT_FOUND')
    expect((await refusal(alice.openDirect('alice'))).code).toBe('CHATHUB_DIRECT_SELF')
    expect((await refusal(alice.openDirect('dora'))).code).toBe('CHATHUB_DIRECT_PEER_DISABLED')
    expect((await refusal(alice.create('dm-1-2'))).code).toBe('CHATHUB_ROOM_NAME_RESERVED')
    // Names that only look similar are ordinary.
    await alice.create('dm-1-x')
    await alice.create('dm-12')
    expect((await alice.rooms()).rooms.map((r) => r.name)).toEqual(['dm-1-x', 'dm-12'])
    await sendGarbage(alice)
  })

  test('an oversized dm frame closes the socket with 1009, like any frame over the limit', async () => {
    const alice = await hub.connect('alice')
    alice.sendRaw(JSON.stringify({ type: 'dm', ref: 'big', user: 'b'.repeat(hub.config.limits.maxFrameBytes) }))
    expect(await alice.closed()).toBe(1009)
  })

  test('an ordinary room that took a direct name before upgrading is not turned into a conversation', async () => {
    const alice = await hub.connect('alice')
    hub.token('bob')
    const name = `dm-${Math.min(idOf('alice'), idOf('bob'))}-${Math.max(idOf('alice'), idOf('bob'))}`
    hub.hub.db.insert(roomsTable).values({ name, isPrivate: false, topic: 'legacy' }).run()
    expect((await refusal(alice.openDirect('bob'))).code).toBe('CHATHUB_ROOM_NAME_RESERVED')
  })
})
