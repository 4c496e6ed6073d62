// The database: one better-sqlite3 connection in WAL mode, wrapped by Drizzle, migrated at open.
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from '#drizzle'
import { migrate } from '#drizzle'
import { readMigrationFiles } from '#drizzle'
import { chatErrorOf, coreErrors } from '#core/errors'
import { prepareDatabaseFiles } from './data-files.ts'

export type Sqlite = Database.Database
export type Db = BetterSQLite3Database & { $client: Sqlite }

/**
 * The database as a plugin gets it (ctx.db): drizzle's query builder for the plugin's own tables,
 * without the raw better-sqlite3 handle. Core tables are reached through ctx.auth and ctx.hub.
 */
export type PluginDb = Omit<BetterSQLite3Database, '$client'>

/** A plugin's handle on the hub's database connection (its own drizzle instance, no `$client`). */
export const pluginDb = (sqlite: Sqlite): PluginDb => {
  const db = drizzle({ client: sqlite })
  Reflect.deleteProperty(db, '$client')
  return db
}

/** The database file's name inside the data directory. */
export const DB_FILE = 'chathub.db'

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** Page size of newly created databases (SQLite's default is 4096). */
const PAGE_SIZE = 1024

export interface OpenDbOptions {
  /** 'normal' survives a killed process (WAL); 'full' also a power loss. */
  synchronous?: 'normal' | 'full'
}

/**
 * Open (creating if needed, mode 0600) the SQLite file and apply every committed migration. A data
 * directory that cannot be written, a full disk or a damaged file stop here with a CHATHUB_* error
 * that names the file and says what to do.
 */
export const openDb = (file: string, options: OpenDbOptions = {}): Db => {
  if (file !== ':memory:') prepareDatabaseFiles(file)
  let sqlite: Sqlite | undefined
  try {
    sqlite = new Database(file)
    return setUp(sqlite, file, options)
  } catch (err) {
    if (sqlite?.open) sqlite.close()
    throw openFailure(file, err)
  }
}

/** SQLite's words turned into what an admin can act on; errors that are already ChatErrors pass. */
const openFailure = (file: string, err: unknown): unknown => {
  const chat = chatErrorOf(err)
  const why = err instanceof Error ? err.message : String(err)
  switch (chat?.code) {
    case 'CHATHUB_STORAGE_FULL':
      return coreErrors.storageFull(file)
    case 'CHATHUB_STORAGE_CORRUPT':
      return coreErrors.storageCorrupt(file, why)
    case 'CHATHUB_STORAGE_FAILED':
      return coreErrors.dataDirUnwritable(file, why)
    default:
      return err
  }
}

const setUp = (sqlite: Sqlite, file: string, options: OpenDbOptions): Db => {
  sqlite.pragma('busy_timeout = 5000')
  // Only takes effect on a new file. A message insert touches about four pages, all written to the
  // WAL at each commit (and synced at each checkpoint): small pages keep that small.
  sqlite.pragma(`page_size = ${PAGE_SIZE}`)
  sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  const db = drizzle({ client: sqlite })
  // Migrations run with foreign keys off, as SQLite's table-rebuild procedure requires: the
  // migrator wraps them in a transaction, where the PRAGMA in a generated migration does nothing,
  // and dropping the old table would cascade into the tables that reference it. The references are
  // checked afterwards.
  sqlite.pragma('foreign_keys = OFF')
  const before = appliedMigrations(sqlite)
  withOpenRetries(sqlite, () => {
    sqlite.pragma('journal_mode = WAL')
    migrate(db, { migrationsFolder: MIGRATIONS })
  })
  // The check reads every row that has a reference (a second per ~3 M messages): only after a
  // migration, the one thing that could have broken them here.
  const broken =
    appliedMigrations(sqlite) === before
      ? []
      : (sqlite.pragma('foreign_key_check') as { table: string; parent: string }[])
  if (broken.length > 0) {
    sqlite.close()
    const where = [...new Set(broken.map((b) => `${b.table} -> ${b.parent}`))].join(', ')
    throw new Error(`database ${file}: broken references after migration (${where})`)
  }
  sqlite.pragma('foreign_keys = ON')
  return db
}

/** How many migrations drizzle has recorded as applied (0 on a new file). */
const appliedMigrations = (sqlite: Sqlite): number => {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get()
  if (!table) return 0
  return (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
}

/**
 * Run `fn` as a write transaction that takes SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`).
 *
 * Every transaction that writes goes through here. Under Drizzle's default (`BEGIN DEFERRED`) a
 * transaction that reads before it writes holds a WAL snapshot; if another process (a CLI command,
 * a second hub) commits meanwhile, the upgrade to a write lock fails at once with SQLITE_BUSY, and
 * the busy timeout never applies. Taking the lock at BEGIN makes such writers wait their turn.
 */
export const writeTransaction = <T>(db: PluginDb, fn: (tx: WriteTx) => T): T =>
  // eslint-disable-next-line no-restricted-syntax -- the one place that picks the behaviour
  db.transaction(fn, { behavior: 'immediate' })

export type WriteTx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * Processes that open a new data directory at the same moment (`chathub serve` and a CLI command)
 * meet two things SQLite does not wait for: switching the file to WAL answers SQLITE_BUSY at once,
 * and drizzle's migrator picks the pending migrations before it begins its transaction, so two
 * processes can both apply the first one and one fails on a table that already exists. Either is
 * fine once the other process has finished: retry a busy open, and accept a failed migration when
 * every migration turns out to be applied.
 */
const withOpenRetries = (sqlite: Sqlite, open: () => void): void => {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      return open()
    } catch (err) {
      if (chatErrorOf(err)?.code === 'CHATHUB_DATABASE_BUSY' && Date.now() < deadline) sleepSync(10 + Math.random() * 40)
      else if (migrationsApplied(sqlite)) return
      else throw err
    }
  }
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Whether the newest migration this code knows is recorded as applied (by any process). */
const migrationsApplied = (sqlite: Sqlite): boolean => {
  const newest = readMigrationFiles({ migrationsFolder: MIGRATIONS }).at(-1)?.folderMillis ?? 0
  try {
    const row = sqlite.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as { at: number | null }
    return Number(row.at ?? -1) >= newest
  } catch {
    return false
  }
}

/** The better-sqlite3 handle under a Drizzle db, for prepared statements on hot paths. */
export const sqliteOf = (db: Db): Sqlite => db.$client
