// Emoji reactions: who reacted to which message with what. A message's reactions go with it (cascade).
import { integer, primaryKey, sqliteTable, text } from '#drizzle'
import { messages } from './messages.ts'
import { users } from './users.ts'

export const reactions = sqliteTable(
  'reactions',
  {
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    emoji: text('emoji').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(), // ms since epoch
  },
  // Keyed by message first: a page of history reads its reactions with one range per message.
  (t) => [primaryKey({ columns: [t.messageId, t.emoji, t.userId] })],
)
