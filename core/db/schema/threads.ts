// Who follows which thread (notified of its replies). A thread is named by its root message's seq;
// messages.thread_root ties each reply to its root.
import { index, integer, primaryKey, sqliteTable } from '#drizzle'
import { rooms } from './rooms.ts'
import { users } from './users.ts'

export const threadFollows = sqliteTable(
  'thread_follows',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    rootSeq: integer('root_seq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.roomId, t.rootSeq] }),
    index('thread_follows_thread_idx').on(t.roomId, t.rootSeq),
  ],
)
