// Follows the change feed (written by the admin CLI or another hub) and applies it to open sockets:
// revoked sessions and removed users are disconnected, deleted rooms dropped. Polls one indexed query.
import type { Hub } from '#core/hub'

interface ChangeRow {
  id: number
  kind: string
  user_id: number | null
  session_id: number | null
  room_id: number | null
}

export const watchChanges = (hub: Hub, intervalMs = 250): (() => void) => {
  const sqlite = hub.db.$client
  const since = sqlite.prepare<[number], ChangeRow>(
    'SELECT id, kind, user_id, session_id, room_id FROM change_feed WHERE id > ? ORDER BY id LIMIT 500',
  )
  let last = sqlite.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM change_feed').get()?.id ?? 0
  const tick = () => {
    for (const row of since.all(last)) {
      last = row.id
      apply(hub, row)
    }
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    tick()
  }
}

const apply = (hub: Hub, row: ChangeRow): void => {
  switch (row.kind) {
    case 'sessions.revoked':
    case 'user.removed':
      if (row.user_id !== null) hub.endSessions(row.user_id, row.session_id, 'session ended')
      return
    case 'room.deleted':
      if (row.room_id !== null) hub.rooms.dropRoom(row.room_id)
      return
    case 'room.changed':
      if (row.room_id !== null) hub.rooms.invalidate(row.room_id)
      return
  }
}
