// The `topic` frame: moderators and owners set a room's topic (the same rules as kick), followers get
// a `topic` event and the event stream a `room` change; everyone else, direct rooms and garbage are
// refused with their codes. An admin's `room set --topic` on the data directory reaches followers the
// same way.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import type { ChatClient } from '#core/client/sdk'
import type { HubEvent } from '#core/messages/events'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

let hub: TestHub
let owner: ChatClient
let mod: ChatClient
let member: ChatClient
let outsider: ChatClient
const events: HubEvent[] = []

beforeAll(async () => {
  hub = await startHub()
  hub.hub.events.subscribe((e) => events.push(e))
  ;[owner, mod, member, outsider] = await Promise.all([
    hub.connect('olga'),
    hub.connect('mo'),
    hub.connect('mia'),
    hub.connect('otto'),
  ])
  await owner.create('lobby', { topic: 'hello' })
  await owner.create('vault', { private: true })
  await owner.join('lobby')
  await mod.join('lobby')
  await member.join('lobby')
  await owner.setRole('lobby', 'mo', 'moderator')
})
afterAll(() => hub.close())

test('owner and moderators set the topic; followers get a topic event, the stream a room change', async () => {
  const ack = await owner.topic('lobby', 'release day')
  expect(ack).toMatchObject({ room: 'lobby', topic: 'release day' })
  expect(await member.next('topic')).toEqual({
    type: 'topic',
    room: 'lobby',
    topic: 'release day',
    by: 'olga',
  })
  expect(events.filter((e) => e.type === 'room' && e.change === 'topic')).toEqual([
    expect.objectContaining({
      type: 'room',
      room: 'lobby',
      change: 'topic',
      topic: 'release day',
      by: 'olga',
    }),
  ])

  await mod.topic('lobby', 'no deploys after 16:00')
  expect(await member.next('topic')).toMatchObject({ topic: 'no deploys after 16:00', by: 'mo' })
  expect((await outsider.rooms()).rooms.find((r) => r.name === 'lobby')?.topic).toBe(
    'no deploys after 16:00',
  )

  // The same topic again: acked, nothing announced (the next event is the sentinel's).
  await mod.topic('lobby', 'no deploys after 16:00')
  await owner.topic('lobby', '')
  expect(await member.next('topic')).toMatchObject({ topic: '', by: 'olga' })
  // 256 characters is the limit, as for `create`.
  await owner.topic('lobby', 'é'.repeat(256))
  expect((await member.next('topic')).topic).toHaveLength(256)
})

test('members, non-members, other people’s private rooms, direct rooms: refused with their codes', async () => {
  const codes = await Promise.all([
    refusal(member.topic('lobby', 'mine now')),
    refusal(outsider.topic('lobby', 'mine now')),
    refusal(outsider.topic('vault', 'peek')),
    refusal(outsider.topic('nowhere', 'x')),
    refusal(mod.topic('vault', 'x')),
  ])
  expect(codes.map((c) => c.code)).toEqual([
    'CHATHUB_FORBIDDEN',
    'CHATHUB_ROOM_NOT_MEMBER',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_ROOM_NOT_FOUND',
    'CHATHUB_ROOM_NOT_FOUND',
  ])
  const { room } = await member.openDirect('otto')
  expect((await refusal(member.topic(room, 'just us'))).code).toBe('CHATHUB_DIRECT_ROOM_FIXED')
  // A kicked moderator is nobody in the room any more.
  await owner.kick('lobby', 'mo')
  expect((await refusal(mod.topic('lobby', 'still me?'))).code).toBe('CHATHUB_ROOM_NOT_MEMBER')
  await mod.join('lobby')
  expect((await refusal(mod.topic('lobby', 'back as a member'))).code).toBe('CHATHUB_FORBIDDEN')
  expect((await owner.rooms()).rooms.find((r) => r.name === 'lobby')?.topic).toBe('é'.repeat(256))
})

test('garbage topic frames get CHATHUB_FRAME_INVALID and the connection stays usable', async () => {
  const frames: string[] = [
    '{"type":"topic","ref":"t1","room":"lobby"}',
    '{"type":"topic","ref":"t2","room":"lobby","topic":42}',
    '{"type":"topic","ref":"t3","room":"lobby","topic":null}',
    '{"type":"topic","ref":"t4","room":"lobby","topic":["a"]}',
    `{"type":"topic","ref":"t5","room":"lobby","topic":"${'x'.repeat(257)}"}`,
    '{"type":"topic","ref":"t6","room":"Lobby","topic":"x"}',
    '{"type":"topic","ref":"t7","topic":"x"}',
    '{"type":"topic","ref":"t8","room":"lobby","topic":"x","by":"admin"}',
    '{"type":"topic","ref":"t9","room":5,"topic":"x"}',
  ]
  for (const text of frames) {
    const ref = /"ref":"(t\d)"/.exec(text)?.[1]
    const seen = owner.next('error', (e) => e.ref === ref)
    owner.sendRaw(text)
    expect([ref, (await seen).code]).toEqual([ref, 'CHATHUB_FRAME_INVALID'])
  }
  const noRef = owner.next(
    'error',
    (e) => e.ref === undefined && e.code === 'CHATHUB_FRAME_INVALID',
  )
  owner.sendRaw('{"type":"topic","room":"lobby","topic":"x"}')
  await noRef
  await sendGarbage(owner)
  expect((await owner.topic('lobby', 'still works')).topic).toBe('still works')
  expect((await member.next('topic')).topic).toBe('still works')
})

test("an admin's topic change on the data directory reaches the followers as a topic event by admin", async () => {
  new AdminService(hub.hub.db).updateRoom('lobby', { topic: 'set by the admin' })
  expect(await member.next('topic', (e) => e.topic === 'set by the admin')).toEqual({
    type: 'topic',
    room: 'lobby',
    topic: 'set by the admin',
    by: 'admin',
  })
  // Privacy alone changes no topic: no event (the sentinel comes first).
  new AdminService(hub.hub.db).updateRoom('lobby', { isPrivate: false })
  await owner.topic('lobby', 'sentinel')
  expect((await member.next('topic')).topic).toBe('sentinel')
})
