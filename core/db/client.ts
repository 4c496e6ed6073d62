// The database: one better-sqlite3 connection in WAL mode, wrapped by Drizzle, migrated at open.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'

export type Sqlite = Database.Database
export type Db = BetterSQLite3Database & { $client: Sqlite }

/** The database file's name inside the data directory. */
export const DB_FILE = 'chathub.db'

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** Page size of newly created databases (SQLite's default is 4096). */
const PAGE_SIZE = 1024

export interface OpenDbOptions {
  /** 'normal' survives a killed process (WAL); 'full' also a power loss. */
  synchronous?: 'normal' | 'full'
}

/** Open (creating if needed) the SQLite file and apply every committed migration. */
export const openDb = (file: string, options: OpenDbOptions = {}): Db => {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const sqlite = new Database(file)
  // Only takes effect on a new file. A message insert touches about four pages, all written to the
  // WAL at each commit (and synced at each checkpoint): small pages keep that small.
  sqlite.pragma(`page_size = ${PAGE_SIZE}`)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  sqlite.pragma('busy_timeout = 5000')
  const db = drizzle({ client: sqlite })
  // Migrations run with foreign keys off, as SQLite's table-rebuild procedure requires: the
  // migrator wraps them in a transaction, where the PRAGMA in a generated migration does nothing,
  // and dropping the old table would cascade into the tables that reference it. The references are
  // checked afterwards.
  sqlite.pragma('foreign_keys = OFF')
  migrate(db, { migrationsFolder: MIGRATIONS })
  const broken = sqlite.pragma('foreign_key_check') as { table: string; parent: string }[]
  if (broken.length > 0) {
    sqlite.close()
    const where = [...new Set(broken.map((b) => `${b.table} -> ${b.parent}`))].join(', ')
    throw new Error(`database ${file}: broken references after migration (${where})`)
  }
  sqlite.pragma('foreign_keys = ON')
  return db
}

/** The better-sqlite3 handle under a Drizzle db, for prepared statements on hot paths. */
export const sqliteOf = (db: Db): Sqlite => db.$client
