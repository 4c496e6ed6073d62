// Session and long-lived tokens (stored as SHA-256 hashes), and the revocation feed open sockets follow.
import { index, integer, sqliteTable, text, uniqueIndex } from '#drizzle'
import { users } from './users.ts'

export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(), // sha256(token), hex; the token itself is never stored
    kind: text('kind', { enum: ['session', 'bot'] }).notNull().default('session'),
    /** For scoped (bot/bridge) tokens: the rooms it may use, JSON array; null = unrestricted. */
    scopes: text('scopes'),
    label: text('label'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('sessions_token_hash_unique').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
)
export type Session = typeof sessions.$inferSelect

