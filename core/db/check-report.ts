// What `chathub db check` reports about a database file, read through its own read-only connection
// (no migrations, no writes): safe while the hub runs, and on a file too damaged to migrate.
import { existsSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { ChatError, chatErrorOf } from '#core/errors'
import { databaseFiles } from './data-files.ts'
import { type CheckMode, checkIntegrity } from './integrity.ts'
import { type PendingDeletion, pendingDeletions } from './room-purge.ts'

export interface DatabaseReport {
  file: string
  ok: boolean
  check: CheckMode
  problems: string[]
  brokenReferences: { table: string; parent: string; rows: number }[]
  pendingDeletions: PendingDeletion[]
  pages: number
  pageSize: number
  freePages: number
  files: { path: string; mode: string }[]
}

const isDamage = (err: unknown): boolean => chatErrorOf(err)?.code === 'CHATHUB_STORAGE_CORRUPT'

export const checkDatabase = (file: string, mode: CheckMode): DatabaseReport => {
  if (!existsSync(file)) {
    throw new ChatError(
      'CHATHUB_DATABASE_NOT_FOUND',
      `There is no database at ${file}; check --data-dir (or the config's dataDir). \`chathub serve\` creates it.`,
      404,
    )
  }
  const files = databaseFiles(file)
    .filter((path) => existsSync(path))
    .map((path) => ({ path, mode: (statSync(path).mode & 0o777).toString(8).padStart(4, '0') }))
  const report: DatabaseReport = {
    file,
    ok: false,
    check: mode,
    problems: [],
    brokenReferences: [],
    pendingDeletions: [],
    pages: 0,
    pageSize: 0,
    freePages: 0,
    files,
  }
  let sqlite: Database.Database | undefined
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 })
    const s = sqlite
    const pragma = (name: string) => Number(s.pragma(name, { simple: true }))
    report.pageSize = pragma('page_size')
    report.pages = pragma('page_count')
    report.freePages = pragma('freelist_count')
    report.problems = checkIntegrity(s, mode)
    if (report.problems.length === 0) {
      const broken = s.pragma('foreign_key_check') as { table: string; parent: string }[]
      const counts = new Map<string, { table: string; parent: string; rows: number }>()
      for (const b of broken) {
        const key = `${b.table}->${b.parent}`
        const entry = counts.get(key) ?? { table: b.table, parent: b.parent, rows: 0 }
        entry.rows++
        counts.set(key, entry)
      }
      report.brokenReferences = [...counts.values()]
      report.pendingDeletions = pendingDeletions(s)
    }
  } catch (err) {
    // Too damaged to be read at all (not a database, a malformed schema page): that is the answer.
    if (!isDamage(err)) throw err
    report.problems.push(err instanceof Error ? err.message : String(err))
  } finally {
    sqlite?.close()
  }
  report.ok = report.problems.length === 0 && report.brokenReferences.length === 0
  return report
}
