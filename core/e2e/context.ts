// What the E2E handlers (core/e2e) work with inside a running hub: the database and its prepared
// statements, ts-mls (loaded on first use), the rooms, and who is connected. Built once by E2eService.
import type { Connection } from '#core/connections/connection'
import type { Db } from '#core/db/client'
import type { EventFrame } from '#core/protocol/messages'
import type { RoomService } from '#core/rooms/room-service'
import type { MlsCodec } from './mls-codec.ts'
import type { E2eQueries } from './queries.ts'

export interface E2eContext {
  db: Db
  q: E2eQueries
  mls: MlsCodec
  rooms: RoomService
  connectionsOf(userId: number): Iterable<Connection>
}

/** Send one event to each connection once (framed per connection; the sets here are small). */
export const sendTo = (connections: Iterable<Connection>, event: EventFrame): void => {
  for (const conn of connections) conn.send(event)
}

/** The open connections of a user bound to one of their devices. */
export function* connectionsOfDevice(
  ctx: E2eContext,
  userId: number,
  deviceId: number,
): Iterable<Connection> {
  for (const conn of ctx.connectionsOf(userId)) if (conn.device?.id === deviceId) yield conn
}
