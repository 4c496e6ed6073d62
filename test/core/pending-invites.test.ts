// Pending invitations in the `rooms` ack and GET /api/v1/rooms (`invites`): rooms a user was invited
// to and has not joined, with who invited them; gone once joined, or while banned; the `rooms` field
// keeps its meaning (private rooms only once a member).
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type ChatClient, httpCall } from '#core/client/sdk'
import type { InviteView, RoomSummary } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let alice: ChatClient
let carol: ChatClient

beforeAll(async () => {
  hub = await startHub()
  ;[alice, carol] = await Promise.all([hub.connect('alice'), hub.connect('carol')])
  await alice.create('lobby', { topic: 'everyone' })
  await alice.create('ops', { private: true, topic: 'deploys' })
  await alice.create('war-room', { private: true })
  await alice.join('ops')
  await alice.say('ops', 'first')
})
afterAll(() => hub.close())

test('invitations are listed until joined; banned users see none; HTTP gives the same', async () => {
  expect((await carol.rooms()).invites).toEqual([])
  await alice.invite('ops', 'carol')
  await alice.invite('lobby', 'carol')
  await alice.invite('war-room', 'carol')
  const { rooms, invites } = await carol.rooms()
  // `rooms` still lists what carol can see: the public room only.
  expect(rooms.map((r) => r.name)).toEqual(['lobby'])
  expect(invites).toEqual([
    {
      room: 'lobby',
      private: false,
      topic: 'everyone',
      members: 1,
      seq: 0,
      by: 'alice',
      at: expect.any(Number),
    },
    {
      room: 'ops',
      private: true,
      topic: 'deploys',
      members: 1,
      seq: 1,
      by: 'alice',
      at: expect.any(Number),
    },
    {
      room: 'war-room',
      private: true,
      topic: '',
      members: 1,
      seq: 0,
      by: 'alice',
      at: expect.any(Number),
    },
  ])
  const http = await httpCall<{ rooms: RoomSummary[]; invites: InviteView[] }>(
    hub.url,
    '/api/v1/rooms',
    {
      token: hub.token('carol'),
    },
  )
  expect(http).toEqual({ rooms, invites })

  await carol.join('ops')
  await alice.ban('war-room', 'carol')
  expect((await carol.rooms()).invites.map((i) => i.room)).toEqual(['lobby'])
  await alice.unban('war-room', 'carol')
  expect((await carol.rooms()).invites.map((i) => i.room)).toEqual(['lobby', 'war-room'])
  // Nobody else sees carol's invitations.
  expect((await alice.rooms()).invites).toEqual([])
})
