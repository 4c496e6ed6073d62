// HTTP read API for rooms: the rooms a user can see (and is invited to, with unread counts), a room's
// history, by cursor, and the read marker a client moves once it has shown the messages.
import type { FastifyInstance } from 'fastify'
import { Type } from '#typebox'
import type { Hub } from '#core/hub'
import { RoomName } from '#core/protocol/messages'
import { requireUser } from './bearer.ts'

const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Only this thread: its root and its replies. */
    thread: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
)

export const registerRoomRoutes = (app: FastifyInstance, hub: Hub): void => {
  app.get('/api/v1/rooms', async (req) => {
    const user = requireUser(hub, req)
    return { rooms: hub.reads.list(user), invites: hub.rooms.invites(user) }
  })

  app.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number; thread?: number } }>(
    '/api/v1/rooms/:room/messages',
    { schema: { params: Type.Object({ room: RoomName }), querystring: HistoryQuery } },
    async (req) => {
      const user = requireUser(hub, req)
      const room = hub.rooms.readable(user, req.params.room)
      const limit = Math.min(req.query.limit ?? 50, hub.config.limits.historyPageMax)
      const { before, thread } = req.query
      const page = thread === undefined ? hub.messages.page(room, before, limit) : hub.messages.threadPage(room, thread, before, limit)
      return { room: room.name, ...page }
    },
  )

  app.get<{ Params: { room: string } }>(
    '/api/v1/rooms/:room/members',
    { schema: { params: Type.Object({ room: RoomName }) } },
    async (req) => {
      const user = requireUser(hub, req)
      return { room: req.params.room, members: hub.reads.members(user, req.params.room) }
    },
  )

  // As the `read` frame: the user's connections get a `read` event (another device clears its badge).
  app.post<{ Params: { room: string }; Body: { seq: number } }>(
    '/api/v1/rooms/:room/read',
    {
      schema: {
        params: Type.Object({ room: RoomName }),
        body: Type.Object({ seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false }),
      },
    },
    async (req) => hub.reads.mark(requireUser(hub, req), req.params.room, req.body.seq),
  )
}
