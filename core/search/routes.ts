// GET /api/v1/search: the `search` frame over HTTP, for the CLI and scripts (same answer as the ack).
import type { FastifyInstance } from 'fastify'
import { Type } from '#typebox'
import type { Hub } from '#core/hub'
import { requireUser } from '#core/http/bearer'
import { RemoteName, RoomName, UserName } from '#core/protocol/messages'
import type { SearchRequest } from './search.ts'

const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 4000 }),
    room: Type.Optional(RoomName),
    from: Type.Optional(Type.Union([UserName, RemoteName])),
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    before: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  },
  { additionalProperties: false },
)

export const registerSearchRoutes = (app: FastifyInstance, hub: Hub): void => {
  app.get<{ Querystring: SearchRequest }>(
    '/api/v1/search',
    { schema: { querystring: SearchQuery } },
    async (req) => {
      const user = requireUser(hub, req)
      return hub.search.run(user, req.query)
    },
  )
}
