// Read markers and mentions: each user's last-read seq per room (unread counts follow the user across
// devices), and who a message mentions (unread mention counts, notifications).
import { index, integer, primaryKey, sqliteTable } from '#drizzle'
import { messages } from './messages.ts'
import { rooms } from './rooms.ts'
import { users } from './users.ts'

export const readMarkers = sqliteTable(
  'read_markers',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** Messages up to this seq are read; it only moves forward. */
    seq: integer('seq').notNull(),
    updatedAt: integer('updated_at').notNull(), // ms since epoch
  },
  (t) => [primaryKey({ columns: [t.userId, t.roomId] }), index('read_markers_room_idx').on(t.roomId)],
)

export const mentions = sqliteTable(
  'mentions',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
  },
  // Unread mentions of a user in a room: one range (seq > marker) of the key.
  (t) => [primaryKey({ columns: [t.userId, t.roomId, t.seq] }), index('mentions_message_idx').on(t.messageId)],
)
