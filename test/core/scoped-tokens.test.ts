// Room-scoped bot tokens (issueSession(..., { kind: 'bot', scopes })): such a token works in its rooms
// and sees no other room — public, private, or one its account belongs to or even owns — over the
// WebSocket and HTTP; it cannot create rooms.
import { beforeEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient, httpCall } from '#core/client/sdk'
import { findUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from './support.ts'

let hub: TestHub
let scoped: ChatClient
let scopedToken: string
beforeEach(async () => {
  hub = await startHub()
  hub.token('bot') // the account
  const alice = await hub.connect('alice')
  await alice.create('a')
  await alice.create('b')
  await alice.create('c', { private: true })
  await alice.invite('c', 'bot')
  // With a normal session the bot's account joins b and c and owns "own": its scoped token still sees none.
  const unscoped = await hub.connect('bot')
  await unscoped.join('b')
  await unscoped.join('c')
  await unscoped.create('own')
  await unscoped.close()
  const botId = findUser(hub.hub.db, 'bot')?.id ?? 0
  scopedToken = issueSession(hub.hub.db, botId, { ttlMs: null, kind: 'bot', scopes: ['a'] }).token
  scoped = await ChatClient.connect(hub.url, scopedToken)
  return () => Promise.all([scoped.close(), hub.close()]).then(() => undefined)
})

test('in its room: join, say, history, members, typing work and messages arrive', async () => {
  const alice = await hub.connect('alice')
  await alice.join('a')
  await scoped.join('a')
  const sent = await scoped.say('a', 'hello from the bot')
  expect(await alice.next('message', (m) => m.seq === sent.seq)).toMatchObject({
    from: 'bot',
    text: 'hello from the bot',
  })
  const heard = await alice.say('a', 'hi bot')
  expect(await scoped.next('message', (m) => m.seq === heard.seq)).toMatchObject({ from: 'alice' })
  expect((await scoped.history('a')).messages.map((m) => m.text)).toEqual([
    'hello from the bot',
    'hi bot',
  ])
  expect((await scoped.members('a')).members.map((m) => m.user).sort()).toEqual(['alice', 'bot'])
  await scoped.typing('a')
  const page = await httpCall<{ messages: unknown[] }>(hub.url, '/api/v1/rooms/a/messages', {
    token: scopedToken,
  })
  expect(page.messages).toHaveLength(2)
})

test('every other room is "not found", for every room frame and HTTP route', async () => {
  const frames: [string, (room: string) => Promise<unknown>][] = [
    ['join', (r) => scoped.join(r)],
    ['join since', (r) => scoped.join(r, 0)],
    ['leave', (r) => scoped.leave(r)],
    ['say', (r) => scoped.say(r, 'hi')],
    ['edit', (r) => scoped.edit(r, 1, 'x')],
    ['delete', (r) => scoped.delete(r, 1)],
    ['history', (r) => scoped.history(r)],
    ['typing', (r) => scoped.typing(r)],
    ['members', (r) => scoped.members(r)],
    ['invite', (r) => scoped.invite(r, 'alice')],
    ['kick', (r) => scoped.kick(r, 'alice')],
    ['ban', (r) => scoped.ban(r, 'alice')],
    ['unban', (r) => scoped.request('unban', { room: r, user: 'alice' })],
    ['role', (r) => scoped.request('role', { room: r, user: 'alice', role: 'moderator' })],
  ]
  for (const room of ['b', 'c', 'own', 'nope']) {
    for (const [name, send] of frames) {
      expect([room, name, (await refusal(send(room))).code]).toEqual([
        room,
        name,
        'CHATHUB_ROOM_NOT_FOUND',
      ])
    }
    for (const route of [`/api/v1/rooms/${room}/messages`, `/api/v1/rooms/${room}/members`]) {
      const err = await refusal(httpCall(hub.url, route, { token: scopedToken }))
      expect([route, err.code]).toEqual([route, 'CHATHUB_ROOM_NOT_FOUND'])
    }
  }
  // No traffic from the hidden rooms reaches it either.
  const alice = await hub.connect('alice')
  await alice.join('b')
  await alice.say('b', 'secret-ish')
  await scoped.rooms() // a round trip after the send
  expect(scoped.drain().filter((f) => 'room' in f && f.room !== 'a')).toEqual([])
})

test('cannot create rooms; the room list shows only its scope', async () => {
  expect((await refusal(scoped.create('mine'))).code).toBe('CHATHUB_FORBIDDEN')
  expect((await scoped.rooms()).rooms.map((r) => r.name)).toEqual(['a'])
  const listed = await httpCall<{ rooms: { name: string }[] }>(hub.url, '/api/v1/rooms', {
    token: scopedToken,
  })
  expect(listed.rooms.map((r) => r.name)).toEqual(['a'])
  // The same account with a normal session sees them all.
  const normal = await hub.connect('bot')
  expect((await normal.rooms()).rooms.map((r) => r.name).sort()).toEqual(['a', 'b', 'c', 'own'])
})
