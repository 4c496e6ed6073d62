// Applying a plugin's own SQL migrations (ChatPlugin.migrations) before its setup: the files this
// database has not applied yet, in name order, each in one write transaction together with its row
// in plugin_migrations. An applied file whose bytes changed since stops boot.
import type { FastifyBaseLogger } from 'fastify'
import { and, eq } from '#drizzle'
import { type Db, type Sqlite, sqliteOf, type WriteTx, writeTransaction } from '#core/db/client'
import { pluginMigrations } from '#core/db/schema/plugin-migrations'
import { coreErrors, isChatError } from '#core/errors'
import {
  type MigrationFile,
  readMigrationFolder,
  STATEMENT_BREAKPOINT,
  statementsOf,
} from './migration-files.ts'

export interface PluginMigrationsOptions {
  plugin: string
  folder: URL | string
  db: Db
  /** The plugin's logger ({ plugin }). */
  log: FastifyBaseLogger
  now: () => number
}

/** Returns the names of the files applied now (none when the database was up to date). */
export const applyPluginMigrations = (options: PluginMigrationsOptions): string[] => {
  const { plugin, db, log } = options
  const files = readMigrationFolder(plugin, options.folder)
  const applied = new Map(
    db
      .select({ name: pluginMigrations.name, sha256: pluginMigrations.sha256 })
      .from(pluginMigrations)
      .where(eq(pluginMigrations.plugin, plugin))
      .all()
      .map((r) => [r.name, r.sha256]),
  )
  // Every applied file is checked before anything new runs: a changed history refuses the start
  // with the database as it was.
  for (const file of files) {
    const sha256 = applied.get(file.name)
    if (sha256 !== undefined && sha256 !== file.sha256) {
      throw coreErrors.pluginMigrationChanged(plugin, file.name, sha256, file.sha256)
    }
  }
  const gone = [...applied.keys()].filter((name) => !files.some((f) => f.name === name))
  if (gone.length > 0) {
    // An older version of the plugin than the one that migrated this database, most likely.
    log.warn({ migrations: gone }, 'applied plugin migrations missing from its migrations folder')
  }
  const done: string[] = []
  for (const file of files.filter((f) => !applied.has(f.name))) {
    if (applyOne(options, file)) {
      log.info({ migration: file.name }, 'plugin migration applied')
      done.push(file.name)
    }
  }
  return done
}

/**
 * One file and its record, in one write transaction: either both are there or neither. False when
 * another process applied it meanwhile (checked under the write lock).
 */
const applyOne = ({ plugin, db, now }: PluginMigrationsOptions, file: MigrationFile): boolean => {
  const sqlite = sqliteOf(db)
  const statements = statementsOf(plugin, file)
  // As for the core's migrations (core/db/client.ts): foreign keys off, because SQLite's
  // table-rebuild procedure (what drizzle-kit generates to change a column) drops the old table,
  // which would cascade into the rows that reference it. The pragma does nothing inside a
  // transaction, so it is set around it; the references are checked before the commit instead.
  const foreignKeys = sqlite.pragma('foreign_keys', { simple: true }) as number
  sqlite.pragma('foreign_keys = OFF')
  try {
    return writeTransaction(db, (tx) => {
      const recorded = recordedSha256(tx, plugin, file.name)
      if (recorded === file.sha256) return false
      if (recorded !== undefined) {
        throw coreErrors.pluginMigrationChanged(plugin, file.name, recorded, file.sha256)
      }
      statements.forEach((statement, i) =>
        runStatement(sqlite, statement, `statement ${i + 1} of ${statements.length}`),
      )
      const broken = sqlite.pragma('foreign_key_check') as { table: string; parent: string }[]
      if (broken.length > 0) {
        const where = [...new Set(broken.map((b) => `${b.table} -> ${b.parent}`))].join(', ')
        throw new Error(`it leaves broken references (${where})`)
      }
      tx.insert(pluginMigrations)
        .values({ plugin, name: file.name, sha256: file.sha256, appliedAt: now() })
        .run()
      return true
    })
  } catch (err) {
    if (isChatError(err) && err.code === 'CHATHUB_PLUGIN_MIGRATION_CHANGED') throw err
    throw coreErrors.pluginMigrationFailed(
      plugin,
      file.name,
      err instanceof Error ? err.message : String(err),
      err,
    )
  } finally {
    sqlite.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
  }
}

const recordedSha256 = (tx: WriteTx, plugin: string, name: string): string | undefined =>
  tx
    .select({ sha256: pluginMigrations.sha256 })
    .from(pluginMigrations)
    .where(and(eq(pluginMigrations.plugin, plugin), eq(pluginMigrations.name, name)))
    .get()?.sha256

/** One statement; a failure says which one it was. */
const runStatement = (sqlite: Sqlite, statement: string, which: string): void => {
  try {
    const prepared = sqlite.prepare(statement)
    if (prepared.reader) prepared.all()
    else prepared.run()
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    const hint = /more than one statement/.test(why)
      ? ` (separate statements with a line "${STATEMENT_BREAKPOINT}")`
      : ''
    throw new Error(`${which}: ${why}${hint}`, { cause: err })
  }
}
