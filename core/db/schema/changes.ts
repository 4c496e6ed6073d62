// Append-only feed of changes made outside the hub's own event loop (admin CLI, another hub process):
// logouts, password changes, disabled users, changed and deleted rooms. Every hub follows it and applies
// it to its open sockets and cached rooms (core/changes/watcher.ts); rows are written with recordChange
// (core/changes/feed.ts).
import { integer, sqliteTable, text } from '#drizzle'

export const changeFeed = sqliteTable('change_feed', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** A ChangeKind (core/changes/feed.ts): 'sessions.revoked', 'user.disabled', 'room.changed', ... */
  kind: text('kind').notNull(),
  userId: integer('user_id'),
  /** With sessions.revoked: null means every session of the user. */
  sessionId: integer('session_id'),
  roomId: integer('room_id'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
})
