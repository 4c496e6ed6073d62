// The part of drizzle-orm chathub uses, imported everywhere as '#drizzle'. From the sources it is
// drizzle-orm itself; the build bundles this file into dist/vendor/drizzle.js, one module instead of
// the ~110 its subpaths load (scripts/build.mjs). Drizzle tells its own objects apart by their
// entityKind, not by class identity, so tables made here work with a plugin's own drizzle-orm.
export { and, asc, count, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
export { blob, index, integer, primaryKey, sqliteTable, sqliteTableCreator, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
export { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
export { migrate } from 'drizzle-orm/better-sqlite3/migrator'
export { readMigrationFiles } from 'drizzle-orm/migrator'
