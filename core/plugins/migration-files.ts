// A plugin's migrations folder on disk: its `NNNN_name.sql` files in name order, each with its text
// and sha256, and a file's statements. Subfolders (drizzle-kit's meta/) and other files are ignored.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { coreErrors } from '#core/errors'

export interface MigrationFile {
  /** The file's name, e.g. `0001_add_tags.sql`: what plugin_migrations records. */
  name: string
  sql: string
  /** sha256 of the file's bytes, hex (what `sha256sum` prints). */
  sha256: string
}

/** Four digits first, so that name order is number order (drizzle-kit names its files so too). */
const MIGRATION_NAME = /^\d{4}_[\w.-]+\.sql$/

/** The folder's migrations in name order; a folder that is missing or holds a misnamed .sql stops boot. */
export const readMigrationFolder = (plugin: string, folder: URL | string): MigrationFile[] => {
  const dir = folderPath(plugin, folder)
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    throw coreErrors.pluginFailed(
      plugin,
      `cannot read its migrations folder ${dir}: ${(err as Error).message}`,
    )
  }
  const names = entries.filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => e.name)
  const misnamed = names.filter((n) => !MIGRATION_NAME.test(n))
  if (misnamed.length > 0) {
    // A typo such as `001_x.sql` would otherwise run out of order, or never.
    throw coreErrors.pluginFailed(
      plugin,
      `migrations folder ${dir}: ${misnamed.join(', ')} not named NNNN_name.sql (four digits, then a name)`,
    )
  }
  return names.sort().map((name) => {
    const bytes = readFileSync(join(dir, name))
    return {
      name,
      sql: bytes.toString('utf8'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    }
  })
}

/** drizzle-kit's separator, also used by the core's migrations (drizzle/): one statement between two. */
export const STATEMENT_BREAKPOINT = '--> statement-breakpoint'

/**
 * The file's statements, blank ones (only comments) left out. A statement that begins or ends a
 * transaction is refused before any runs: the host runs the whole file in one transaction, and a
 * COMMIT in the middle would leave the file half applied.
 */
export const statementsOf = (plugin: string, file: MigrationFile): string[] => {
  const statements = file.sql.split(STATEMENT_BREAKPOINT).filter((s) => !isBlank(s))
  for (const statement of statements) {
    const control = TRANSACTION_CONTROL.exec(withoutLeadingComments(statement))?.[1]
    if (control !== undefined) {
      throw coreErrors.pluginMigrationFailed(
        plugin,
        file.name,
        `it runs ${control.toUpperCase()}, but the host runs each migration file in one transaction of its own: remove it`,
      )
    }
  }
  return statements
}

const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i

const withoutLeadingComments = (sql: string): string =>
  sql.replace(/^(\s|--[^\n]*|\/\*[\s\S]*?\*\/)*/, '')

const isBlank = (sql: string): boolean => withoutLeadingComments(sql) === ''

/** A file URL (`new URL('./migrations/', import.meta.url)`) or an absolute path, as a path. */
const folderPath = (plugin: string, folder: URL | string): string => {
  const wrong = () =>
    coreErrors.pluginFailed(
      plugin,
      `"migrations" must be a file URL (new URL('./migrations/', import.meta.url)) or an absolute path, not ${String(folder)}`,
    )
  if (typeof folder === 'string' && !folder.startsWith('file:')) {
    // A relative path would depend on the directory the hub was started from.
    if (!isAbsolute(folder)) throw wrong()
    return folder
  }
  try {
    return fileURLToPath(folder)
  } catch {
    throw wrong()
  }
}
