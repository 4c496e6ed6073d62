// One `chathub serve` per data directory. Two hubs on one database each hand out the same sequence
// numbers from their own memory and fail each other's sends; the second must refuse to start.
//
// The lock is SQLite's own file lock (POSIX fcntl, LockFileEx on Windows) on a small file beside
// the database, held in EXCLUSIVE locking mode for the life of the process: the operating system
// drops it when the process ends in any way, SIGKILL included, so a crashed hub never blocks the
// next start. The database itself is not locked: admin commands keep sharing it with the hub.
// The holder's pid goes to chathub.pid, only to name it in the refusal.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { coreErrors } from '#core/errors'
import { assertWritableDir, DB_FILE_MODE } from './data-files.ts'

export const LOCK_FILE = 'chathub.lock'
export const PID_FILE = 'chathub.pid'

export interface DataDirLock {
  /** Give the directory up (the hub closed); idempotent. */
  release(): void
}

/** Take the data directory for this process, or refuse with CHATHUB_DATA_DIR_LOCKED. */
export const lockDataDir = (dir: string): DataDirLock => {
  assertWritableDir(dir)
  const file = join(dir, LOCK_FILE)
  closeSync(openSync(file, 'a', DB_FILE_MODE))
  const lock = new Database(file, { timeout: 0 })
  try {
    lock.pragma('journal_mode = MEMORY')
    lock.pragma('locking_mode = EXCLUSIVE')
    // The first write transaction takes the exclusive lock; EXCLUSIVE locking mode keeps it.
    lock.exec('BEGIN EXCLUSIVE; COMMIT')
  } catch (err) {
    lock.close()
    const code = String((err as { code?: unknown }).code)
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
      throw coreErrors.dataDirLocked(dir, holderOf(dir))
    throw err
  }
  const pidFile = join(dir, PID_FILE)
  writeFileSync(pidFile, `${process.pid}\n`, { mode: DB_FILE_MODE })
  let held = true
  return {
    release: () => {
      if (!held) return
      held = false
      if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true })
      lock.close()
    },
  }
}

const readPid = (pidFile: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

const holderOf = (dir: string): string => {
  const pid = readPid(join(dir, PID_FILE))
  return pid === undefined ? '' : ` (pid ${pid})`
}
