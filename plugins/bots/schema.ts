// The bots plugin's tables (prefixed `bots_`): each bot's persistent key-value store.
import { integer, primaryKey, sqliteTableCreator, text } from '#drizzle'

const table = sqliteTableCreator((name) => `bots_${name}`)

/** One value of a bot's store; `size` (key + value bytes) is what the per-bot quota counts. */
export const botsKv = table(
  'kv',
  {
    /** The bot's name as configured under `plugins.bots.bots`. */
    bot: text('bot').notNull(),
    key: text('key').notNull(),
    /** JSON text of the stored value. */
    value: text('value').notNull(),
    size: integer('size').notNull(),
    updatedAt: integer('updated_at').notNull(), // ms since epoch
  },
  (t) => [primaryKey({ columns: [t.bot, t.key] })],
)
export type BotKvRow = typeof botsKv.$inferSelect
