// Append-only feed of changes made outside the hub's own event loop (admin CLI, another hub process):
// logouts, password changes, disabled users, deleted rooms. Every hub follows it and acts on open sockets.
import { integer, sqliteTable, text } from '#drizzle'

export const changeFeed = sqliteTable('change_feed', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** 'sessions.revoked' | 'user.removed' | 'room.deleted' | 'room.changed' */
  kind: text('kind').notNull(),
  userId: integer('user_id'),
  /** With sessions.revoked: null means every session of the user. */
  sessionId: integer('session_id'),
  roomId: integer('room_id'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
})
