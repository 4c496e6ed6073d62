// Follows the change feed (written by the admin CLI through core/admin/admin-service.ts, or by another
// hub) and applies it to what this hub holds: sockets of ended sessions close, deleted rooms are
// dropped, changed rooms reloaded, swept messages announced to in-process listeners. Polls one
// indexed query.
import type { Hub } from '#core/hub'
import { type ChangeKind, pruneChangeFeed } from './feed.ts'

const PRUNE_INTERVAL_MS = 10 * 60_000

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
  const live = liveSession(hub)
  let last =
    sqlite.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM change_feed').get()?.id ??
    0
  const tick = () => {
    for (const row of since.all(last)) {
      last = row.id
      try {
        apply(hub, row, live)
      } catch (err) {
        hub.log.error({ err, change: row.id, kind: row.kind }, 'change feed row not applied')
      }
    }
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  // The feed is pruned as it goes (rows older than CHANGE_FEED_KEEP_MS), by every hub: a no-op when
  // another one just did it.
  const prune = setInterval(() => pruneChangeFeed(sqlite, Date.now()), PRUNE_INTERVAL_MS)
  prune.unref()
  return () => {
    clearInterval(timer)
    clearInterval(prune)
    tick()
  }
}

/** Why the sockets of a user close, by the kind of change (sent with close code 4002). */
const ENDED: Partial<Record<ChangeKind, string>> = {
  'sessions.revoked': 'session ended',
  'user.password_changed': 'password changed',
  'user.disabled': 'account disabled',
  'user.removed': 'account removed',
}

const apply = (hub: Hub, row: ChangeRow, live: (sessionId: number) => boolean): void => {
  const kind = row.kind as ChangeKind
  const ended = ENDED[kind]
  if (ended !== undefined) {
    if (row.user_id !== null) endDeadSessions(hub, row.user_id, ended, live)
    return
  }
  switch (kind) {
    case 'room.deleted':
      if (row.room_id !== null) hub.rooms.dropRoom(row.room_id)
      return
    case 'room.changed':
      if (row.room_id === null) return
      hub.rooms.reload(row.room_id)
      // An E2E room: members lost by an admin command or an account removal wait for removal.
      hub.e2e.roomChanged(row.room_id)
      return
    case 'messages.swept': {
      // Not a wire event: clients see the messages gone from history. A room not loaded here has
      // nothing of them in this hub's memory.
      const room = row.room_id === null ? undefined : hub.rooms.findById(row.room_id)
      if (room) hub.delivery.announce(room, { type: 'room', room: room.name, change: 'swept' })
      return
    }
    // Nothing here holds them: accounts, sessions and new rooms are read from the database when
    // used; the bridge runner polls the link table itself; plugins keep no copy of what an admin
    // writes to their tables (totp, webhooks).
    default:
      return
  }
}

/**
 * Close the user's sockets whose session is no longer live (revoked, deleted with the account, or the
 * account disabled). Judged by the database rather than by the row: a session issued after the change
 * (a new login, the token a password change over HTTP hands back) stays open.
 */
const endDeadSessions = (
  hub: Hub,
  userId: number,
  reason: string,
  live: (sessionId: number) => boolean,
): void => {
  const dead = new Set<number>()
  for (const conn of hub.connectionsOf(userId)) {
    if (conn.user && !live(conn.user.sessionId)) dead.add(conn.user.sessionId)
  }
  for (const sessionId of dead) hub.endSessions(userId, sessionId, reason)
}

const liveSession = (hub: Hub): ((sessionId: number) => boolean) => {
  const stmt = hub.db.$client.prepare<[number], { ok: number }>(
    `SELECT 1 AS ok FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = ? AND s.revoked_at IS NULL AND u.disabled_at IS NULL`,
  )
  return (sessionId) => stmt.get(sessionId) !== undefined
}
