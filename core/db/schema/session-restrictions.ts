// Restricted sessions: a session listed here may be used only by the plugin that restricted it
// (e.g. a user who must enrol in TOTP before anything else). Gone with its session.
import { integer, sqliteTable, text } from '#drizzle'
import { sessions } from './sessions.ts'

export const sessionRestrictions = sqliteTable('session_restrictions', {
  sessionId: integer('session_id')
    .primaryKey()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  /** The plugin whose routes alone accept this session. */
  plugin: text('plugin').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
})
