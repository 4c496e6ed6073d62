// drizzle-kit: the core's schema files -> drizzle/ migrations (committed), applied by openDb.
// Plugins own their tables: each keeps its migrations in its own folder (plugins/<name>/migrations,
// applied by the plugin host), generated with `npm run db:generate:plugin -- <name>` (docs/plugins.md).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./core/db/schema/*.ts', './core/bridges/schema.ts'],
  out: './drizzle',
  strict: true,
})
