// Accounts: people, bots and bridges. Passwords are argon2id hashes, never plain.
import { integer, sqliteTable, text, uniqueIndex } from '#drizzle'

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    passwordHash: text('password_hash'), // argon2id PHC string; null for bot/bridge accounts
    isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
    kind: text('kind', { enum: ['person', 'bot', 'bridge'] }).notNull().default('person'),
    disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex('users_name_unique').on(t.name)],
)
export type User = typeof users.$inferSelect
