// HTTP read API for rooms: the rooms a user can see and a room's history, by cursor.
import type { FastifyInstance } from 'fastify'
import { Type } from '#typebox'
import type { Hub } from '#core/hub'
import { RoomName } from '#core/protocol/messages'
import { requireUser } from './bearer.ts'

const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
)

export const registerRoomRoutes = (app: FastifyInstance, hub: Hub): void => {
  app.get('/api/v1/rooms', async (req) => {
    const user = requireUser(hub, req)
    return { rooms: hub.rooms.list(user) }
  })

  app.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number } }>(
    '/api/v1/rooms/:room/messages',
    { schema: { params: Type.Object({ room: RoomName }), querystring: HistoryQuery } },
    async (req) => {
      const user = requireUser(hub, req)
      const room = hub.rooms.readable(user, req.params.room)
      const limit = Math.min(req.query.limit ?? 50, hub.config.limits.historyPageMax)
      return { room: room.name, ...hub.messages.page(room, req.query.before, limit) }
    },
  )

  app.get<{ Params: { room: string } }>(
    '/api/v1/rooms/:room/members',
    { schema: { params: Type.Object({ room: RoomName }) } },
    async (req) => {
      const user = requireUser(hub, req)
      return { room: req.params.room, members: hub.rooms.members(user, req.params.room) }
    },
  )
}
