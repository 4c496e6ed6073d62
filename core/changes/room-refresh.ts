// A room changed outside this hub (admin CLI: topic, privacy, members): bring the cached RoomState in
// line with the database and tell its followers and the event stream, as for the same change made here.
import type { Hub } from '#core/hub'
import type { EventFrame } from '#core/protocol/messages'
import { findRoomById, listMembers } from '#core/rooms/queries'
import { findUserById } from '#core/users/queries'

/**
 * Reload a cached room: privacy and topic, then its members. Followers who are no longer members stop
 * following it and get a `kicked` event (by "admin"); the others see `left`/`joined` for members
 * taken out or put in. A room not cached is read afresh on first use anyway.
 */
export const refreshRoom = (hub: Hub, roomId: number): void => {
  const rooms = hub.rooms
  const room = rooms.findById(roomId)
  if (!room) return
  const row = findRoomById(hub.db, roomId)
  // Gone, or already a deletion tombstone: its `room.deleted` row follows.
  if (!row || row.name !== room.name) {
    rooms.dropRoom(roomId)
    return
  }
  room.isPrivate = row.isPrivate
  room.topic = row.topic
  const before = room.members
  rooms.invalidate(roomId)
  const members = listMembers(hub.db, roomId)
  const now = new Map(members.map((m) => [m.userId, m.role]))
  room.members = now

  const removed: EventFrame = {
    type: 'kicked',
    room: room.name,
    by: 'admin',
    reason: 'removed by an admin',
    banned: false,
  }
  for (const conn of [...room.subscribers]) {
    if (!conn.user || now.has(conn.user.userId)) continue
    rooms.unsubscribe(conn, room)
    conn.send(removed)
  }
  // Who was taken out or put in (when the hub knew the members before): told to the followers and
  // published on the event stream, as for a kick or a join made here.
  if (!before) return
  for (const userId of before.keys()) {
    const name = now.has(userId) ? undefined : findUserById(hub.db, userId)?.name
    if (!name) continue
    hub.delivery.announce(
      room,
      { type: 'membership', room: room.name, user: name, change: 'kicked', by: 'admin' },
      { type: 'left', room: room.name, user: name },
    )
  }
  for (const m of members) {
    if (before.has(m.userId)) continue
    hub.delivery.announce(
      room,
      { type: 'membership', room: room.name, user: m.user, change: 'joined' },
      { type: 'joined', room: room.name, user: m.user },
    )
  }
}
