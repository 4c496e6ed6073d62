// Which SQL migrations of which plugin this database has applied, with each file's sha256 then: a
// file changed after it was applied is refused at start (core/plugins/migrations.ts).
import { integer, primaryKey, sqliteTable, text } from '#drizzle'

export const pluginMigrations = sqliteTable(
  'plugin_migrations',
  {
    /** The plugin's name, as enabled under `plugins.<name>`. */
    plugin: text('plugin').notNull(),
    /** The file's name in the plugin's migrations folder, e.g. `0000_baseline.sql`. */
    name: text('name').notNull(),
    /** sha256 of the file's bytes when it was applied, hex. */
    sha256: text('sha256').notNull(),
    appliedAt: integer('applied_at').notNull(), // ms since epoch
  },
  (t) => [primaryKey({ columns: [t.plugin, t.name] })],
)
export type PluginMigrationRow = typeof pluginMigrations.$inferSelect
