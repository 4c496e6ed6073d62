// drizzle-kit: schema files of core and built-in plugins -> drizzle/ migrations (committed).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./core/db/schema/*.ts', './core/bridges/schema.ts', './plugins/*/schema.ts'],
  out: './drizzle',
  strict: true,
})
