// The change feed's writing side: the kinds of change recorded for running hubs, and the one way a row
// is written — inside the write transaction that makes the change, so a hub never sees one without the other.
import type { Sqlite, WriteTx } from '#core/db/client'
import { changeFeed } from '#core/db/schema/changes'

/**
 * What changed. A running hub applies each kind to what it holds in memory (core/changes/watcher.ts);
 * kinds that touch nothing a hub caches are recorded all the same, so that the feed lists every
 * change made to the data directory from outside a hub.
 */
export type ChangeKind =
  /** Sessions ended: one (sessionId) or every one of the user (sessionId null). */
  | 'sessions.revoked'
  | 'user.added'
  | 'user.disabled'
  | 'user.enabled'
  /** The password changed and every session of the user ended. */
  | 'user.password_changed'
  | 'user.removed'
  /** A long-lived scoped token was issued (bot token create). */
  | 'token.issued'
  | 'room.created'
  /** Topic, privacy or membership of the room changed. */
  | 'room.changed'
  | 'room.deleted'
  /** Messages of the room were deleted for good (retention, `user remove --erase`). */
  | 'messages.swept'
  | 'bridge.linked'
  | 'bridge.unlinked'
  /** A plugin's own tables were written by an admin command (e.g. `plugin.totp`). */
  | `plugin.${string}`

export interface Change {
  kind: ChangeKind
  userId?: number | null
  sessionId?: number | null
  roomId?: number | null
}

/** Append one row to the feed; call it inside the write transaction that makes the change. */
export const recordChange = (tx: WriteTx, change: Change): void => {
  tx.insert(changeFeed)
    .values({
      kind: change.kind,
      userId: change.userId ?? null,
      sessionId: change.sessionId ?? null,
      roomId: change.roomId ?? null,
    })
    .run()
}

/**
 * How long feed rows are kept. A hub applies a row within a poll (250 ms) and one that starts begins
 * at the newest row, so older rows serve nobody; a day leaves room to look at them by hand.
 */
export const CHANGE_FEED_KEEP_MS = 24 * 3600_000

/**
 * Delete feed rows older than `keepMs`, at most `limit` of them (a short write). Never waits for
 * another process's write lock: busy means "next time". Returns how many went.
 */
export const pruneChangeFeed = (sqlite: Sqlite, now: number, keepMs = CHANGE_FEED_KEEP_MS, limit = 1000): number => {
  const timeout = Number(sqlite.pragma('busy_timeout', { simple: true }))
  sqlite.pragma('busy_timeout = 0')
  try {
    return sqlite
      .prepare('DELETE FROM change_feed WHERE id IN (SELECT id FROM change_feed WHERE created_at < ? ORDER BY id LIMIT ?)')
      .run(now - keepMs, limit).changes
  } catch {
    return 0
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`)
  }
}
