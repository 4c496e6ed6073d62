// Rooms: public and private, membership (join, leave, invite, kick, ban, unban, role), what each role
// may do, private rooms invisible to non-members on every frame type and HTTP route, and removal
// taking effect on open connections at once. The sender is always the authenticated account.
import { beforeEach, describe, expect, test } from 'vitest'
import { type ChatClient, httpCall } from '#core/client/sdk'
import type { ErrorFrame } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

/** Make sure every frame the hub sent `client` before now has arrived: a round trip on the same socket. */
const settle = (client: ChatClient) => client.rooms()

describe('public and private rooms', () => {
  test('anyone joins a public room; a private room needs an invite from a moderator', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const carol = await hub.connect('carol')
    await alice.create('lobby', { topic: 'hello' })
    await alice.create('secret', { private: true })
    expect((await bob.join('lobby')).room).toBe('lobby')
    expect((await refusal(bob.join('secret'))).code).toBe('CHATHUB_ROOM_NOT_FOUND')

    await alice.invite('secret', 'bob')
    expect(await bob.next('invited')).toMatchObject({ room: 'secret', by: 'alice' })
    await bob.join('secret')
    // A plain member may not invite to a private room (but may to a public one).
    expect((await refusal(bob.invite('secret', 'carol'))).code).toBe('CHATHUB_FORBIDDEN')
    await bob.invite('lobby', 'carol')
    expect(await carol.next('invited')).toMatchObject({ room: 'lobby', by: 'bob' })

    const listing = (await bob.rooms()).rooms
    expect(listing.map((r) => [r.name, r.private, r.role])).toEqual([
      ['lobby', false, 'member'],
      ['secret', true, 'member'],
    ])
    expect((await carol.rooms()).rooms.map((r) => r.name)).toEqual(['lobby'])
    await sendGarbage(carol)
  })

  test('leave ends membership and the room’s events', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('lobby')
    await alice.join('lobby')
    await bob.join('lobby')
    await bob.leave('lobby')
    expect(await alice.next('left')).toMatchObject({ room: 'lobby', user: 'bob' })
    await alice.say('lobby', 'after bob left')
    await settle(bob)
    expect(bob.drain().filter((f) => f.type === 'message')).toEqual([])
    expect((await refusal(bob.say('lobby', 'hi'))).code).toBe('CHATHUB_ROOM_NOT_MEMBER')
    await sendGarbage(bob)
  })
})

describe('roles', () => {
  test('owner promotes; moderators kick and ban members but not their peers or the owner; members do neither', async () => {
    const owner = await hub.connect('owner')
    const mod = await hub.connect('mod')
    const m1 = await hub.connect('m1')
    const m2 = await hub.connect('m2')
    await owner.create('room')
    for (const c of [mod, m1, m2]) await c.join('room')

    expect(
      (await refusal(m1.request('role', { room: 'room', user: 'mod', role: 'moderator' }))).code,
    ).toBe('CHATHUB_FORBIDDEN')
    await owner.request('role', { room: 'room', user: 'mod', role: 'moderator' })
    expect((await mod.members('room')).members.find((m) => m.user === 'mod')?.role).toBe(
      'moderator',
    )
    // Only owners change roles.
    expect(
      (await refusal(mod.request('role', { room: 'room', user: 'm1', role: 'moderator' }))).code,
    ).toBe('CHATHUB_FORBIDDEN')

    expect((await refusal(m1.kick('room', 'm2'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(m1.ban('room', 'm2'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(mod.kick('room', 'owner'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(mod.kick('room', 'mod'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(mod.kick('room', 'ghost'))).code).toBe('CHATHUB_USER_NOT_FOUND')

    await mod.kick('room', 'm1', 'be nice')
    expect(await m1.next('kicked')).toMatchObject({
      room: 'room',
      by: 'mod',
      reason: 'be nice',
      banned: false,
    })
    // Kicked, not banned: may come back.
    await m1.join('room')

    await mod.ban('room', 'm2')
    expect(await m2.next('kicked')).toMatchObject({ room: 'room', banned: true })
    expect((await refusal(m2.join('room'))).code).toBe('CHATHUB_ROOM_BANNED')
    expect((await refusal(m1.request('unban', { room: 'room', user: 'm2' }))).code).toBe(
      'CHATHUB_FORBIDDEN',
    )
    await mod.request('unban', { room: 'room', user: 'm2' })
    await m2.join('room')

    // Demotion takes effect at once.
    await owner.request('role', { room: 'room', user: 'mod', role: 'member' })
    expect((await refusal(mod.kick('room', 'm1'))).code).toBe('CHATHUB_FORBIDDEN')
    await sendGarbage(mod)
  })

  test('a kicked or banned user’s open connection stops receiving the room immediately', async () => {
    const owner = await hub.connect('owner')
    const witness = await hub.connect('witness')
    const kicked = await hub.connect('kicked')
    const kicked2 = await hub.connect('kicked') // a second socket of the same user
    const banned = await hub.connect('banned')
    await owner.create('room', { private: true })
    for (const name of ['witness', 'kicked', 'banned']) await owner.invite('room', name)
    for (const c of [owner, witness, kicked, kicked2, banned]) await c.join('room')

    await owner.kick('room', 'kicked')
    await owner.ban('room', 'banned')
    await Promise.all([kicked.next('kicked'), kicked2.next('kicked'), banned.next('kicked')])
    const ack = await owner.say('room', 'not for you')
    await witness.next('message', (m) => m.seq === ack.seq)
    for (const c of [kicked, kicked2, banned]) {
      await settle(c)
      expect(c.drain().filter((f) => f.type === 'message' || f.type === 'typing')).toEqual([])
      // Private room: for them it no longer exists.
      expect((await refusal(c.history('room'))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
      expect((await refusal(c.say('room', 'let me back'))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
    }
    await sendGarbage(banned)
  })
})

describe('a private room is invisible to non-members', () => {
  /** Every frame type that names a room, aimed at `room`. */
  const everyFrame = (c: ChatClient, room: string): [string, Promise<unknown>][] => [
    ['join', c.join(room)],
    ['join since', c.join(room, 0)],
    ['leave', c.leave(room)],
    ['say', c.say(room, 'hello?')],
    ['edit', c.edit(room, 1, 'changed')],
    ['delete', c.delete(room, 1)],
    ['history', c.history(room)],
    ['typing', c.typing(room)],
    ['members', c.members(room)],
    ['invite', c.invite(room, 'mallory')],
    ['kick', c.kick(room, 'alice')],
    ['ban', c.ban(room, 'alice')],
    ['unban', c.request('unban', { room, user: 'alice' })],
    ['role', c.request('role', { room, user: 'alice', role: 'member' })],
  ]

  const answers = async (c: ChatClient, room: string) => {
    const out: Record<string, { code: string; message: string }> = {}
    for (const [name, p] of everyFrame(c, room)) {
      const e = (await refusal(p)) as unknown as ErrorFrame
      out[name] = { code: e.code, message: e.message.replaceAll(room, '<room>') }
    }
    return out
  }

  test('every client frame type gets CHATHUB_ROOM_NOT_FOUND, exactly as for a room that does not exist', async () => {
    const alice = await hub.connect('alice')
    const mallory = await hub.connect('mallory')
    await alice.create('secret', { private: true })
    await alice.join('secret')
    await alice.say('secret', 'the plan')
    // A banned former member and an invited-then-uninvited stranger see the same.
    await alice.invite('secret', 'mallory')

    const stranger = await hub.connect('stranger')
    await settle(alice)
    alice.drain()
    const secret = await answers(stranger, 'secret')
    const missing = await answers(stranger, 'absent')
    for (const [frame, a] of Object.entries(secret)) {
      expect({ frame, code: a.code }).toEqual({ frame, code: 'CHATHUB_ROOM_NOT_FOUND' })
    }
    expect(secret).toEqual(missing)
    expect((await stranger.rooms()).rooms.map((r) => r.name)).not.toContain('secret')

    // Nothing reached alice from those attempts.
    await settle(alice)
    expect(
      alice
        .drain()
        .filter((f) => f.type === 'typing' || f.type === 'message' || f.type === 'joined'),
    ).toEqual([])
    await sendGarbage(stranger)
    await mallory.close()
  })

  test('every HTTP route answers 404 CHATHUB_ROOM_NOT_FOUND, exactly as for a room that does not exist', async () => {
    const alice = await hub.connect('alice')
    await alice.create('secret', { private: true })
    await alice.say('secret', 'the plan')
    await alice.create('open')
    const token = hub.token('stranger')
    const get = async (path: string) => {
      const res = await fetch(hub.url + path, { headers: { authorization: `Bearer ${token}` } })
      return {
        status: res.status,
        body: (await res.json()) as { code?: string; message?: string; rooms?: { name: string }[] },
      }
    }
    const rooms = await get('/api/v1/rooms')
    expect(rooms.body.rooms?.map((r) => r.name)).toEqual(['open'])
    for (const route of ['messages', 'members', 'messages?before=2&limit=1']) {
      const secret = await get(`/api/v1/rooms/secret/${route}`)
      const absent = await get(`/api/v1/rooms/absent/${route}`)
      expect(secret.status).toBe(404)
      expect(secret.body.code).toBe('CHATHUB_ROOM_NOT_FOUND')
      expect({
        ...secret,
        body: { ...secret.body, message: secret.body.message?.replace('secret', 'X') },
      }).toEqual({
        ...absent,
        body: { ...absent.body, message: absent.body.message?.replace('absent', 'X') },
      })
    }
    // The owner reads them fine, and a public room is readable by anyone signed in.
    const own = await httpCall<{ messages: { text: string }[] }>(
      hub.url,
      '/api/v1/rooms/secret/messages',
      {
        token: hub.token('alice'),
      },
    )
    expect(own.messages.map((m) => m.text)).toEqual(['the plan'])
    const members = await httpCall<{ members: { user: string; role: string }[] }>(
      hub.url,
      '/api/v1/rooms/open/members',
      { token },
    )
    expect(members.members).toEqual([{ user: 'alice', role: 'owner', online: false }])
    expect((await refusal(httpCall(hub.url, '/api/v1/rooms'))).code).toBe('CHATHUB_AUTH_REQUIRED')
    await sendGarbage(alice)
  })
})

describe('the sender is the authenticated account', () => {
  test('a client-supplied sender is refused with CHATHUB_FRAME_INVALID; stored messages name the account', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('lobby')
    await bob.join('lobby')
    for (const field of ['from', 'sender', 'user', 'userId']) {
      const err = bob.next('error', (e) => e.ref === `spoof-${field}`)
      bob.sendRaw(
        JSON.stringify({
          type: 'say',
          ref: `spoof-${field}`,
          room: 'lobby',
          text: 'I am alice',
          txn: field,
          [field]: 'alice',
        }),
      )
      expect((await err).code).toBe('CHATHUB_FRAME_INVALID')
    }
    // `as` (a bridged remote sender) is for bridge accounts only.
    const as = await refusal(
      bob.request('say', { room: 'lobby', text: 'hi', txn: 'as', as: 'alice@irc' }),
    )
    expect(as.code).toBe('CHATHUB_FORBIDDEN')
    await bob.say('lobby', 'I am bob')
    const page = await alice.history('lobby')
    expect(page.messages.map((m) => [m.from, m.text])).toEqual([['bob', 'I am bob']])
    await sendGarbage(bob)
  })
})
