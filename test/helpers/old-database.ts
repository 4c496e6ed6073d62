// Databases as an older chathub left them: the core's migrations (drizzle/) applied up to, and not
// including, a given one, so that tests can open them with today's code.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** A copy of drizzle/ whose journal stops before `tag` (e.g. '0008_messages_rowid'). */
export const migrationsBefore = (tag: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-migrations-'))
  cpSync(MIGRATIONS, dir, { recursive: true })
  const journalFile = join(dir, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] }
  const cut = journal.entries.findIndex((e) => e.tag === tag)
  if (cut <= 0) throw new Error(`no migration ${tag} after the first in drizzle/`)
  journal.entries = journal.entries.slice(0, cut)
  writeFileSync(journalFile, JSON.stringify(journal))
  return dir
}

/** A new database `file` with the core's migrations before `tag` applied, foreign keys on. */
export const databaseBefore = (file: string, tag: string): Database.Database => {
  const old = new Database(file)
  old.pragma('foreign_keys = ON')
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsBefore(tag) })
  return old
}
