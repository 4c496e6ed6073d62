// The database's files on disk: the data directory must really be writable (checked by creating a
// file, the only test that also holds for root, read-only mounts and `chattr +i`), and the database
// with its -wal and -shm files is private to its owner (0600), like the server key.
import { chmodSync, closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { coreErrors } from '#core/errors'

/** Mode of the database files: read and write for the owner only. */
export const DB_FILE_MODE = 0o600

/** The files SQLite keeps for a database in WAL mode. */
export const databaseFiles = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`]

const REASONS: Record<string, string> = {
  EROFS: 'the file system is mounted read-only',
  EPERM: 'operation not permitted: the file or directory may be immutable (chattr +i)',
  EACCES: 'permission denied',
  ENOTDIR: 'a path component is not a directory',
  EEXIST: 'a file is in the way',
}

const reasonOf = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  return REASONS[code] ?? (err instanceof Error ? err.message : String(err))
}

/**
 * Create `dir` if needed and check that files can be created in it. Only errors that mean "never
 * writable" refuse (read-only, immutable, no permission); a full disk is not one of them: the hub
 * starts, reads work, and writes answer CHATHUB_STORAGE_FULL until there is space again.
 */
export const assertWritableDir = (dir: string): void => {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw coreErrors.dataDirUnwritable(dir, reasonOf(err))
  }
  const probe = join(
    dir,
    `.chathub-write-check-${process.pid}-${Math.random().toString(36).slice(2)}`,
  )
  try {
    closeSync(openSync(probe, 'wx', DB_FILE_MODE))
    unlinkSync(probe)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return
    throw coreErrors.dataDirUnwritable(dir, reasonOf(err))
  }
}

/**
 * Before SQLite opens `file`: its directory is writable, the database and its -wal/-shm files (those
 * that exist) can be opened for writing, and all of them are 0600. A new database file is created
 * here with 0600 first: SQLite gives the -wal and -shm files the mode of the database file.
 */
export const prepareDatabaseFiles = (file: string): void => {
  assertWritableDir(dirname(file))
  try {
    closeSync(openSync(file, 'a', DB_FILE_MODE))
  } catch (err) {
    throw coreErrors.dataDirUnwritable(file, reasonOf(err))
  }
  for (const path of databaseFiles(file)) {
    let mode: number
    try {
      mode = statSync(path).mode
    } catch {
      continue // no -wal or -shm yet
    }
    try {
      closeSync(openSync(path, 'r+'))
    } catch (err) {
      // Gone since the stat: another process closed the database last (SQLite removes -wal/-shm then).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw coreErrors.dataDirUnwritable(path, reasonOf(err))
    }
    // Files made by an older version (0644); only their owner (or root) may change the mode.
    if ((mode & 0o777) !== DB_FILE_MODE) {
      try {
        chmodSync(path, DB_FILE_MODE)
      } catch {
        // another user's file: left as it is
      }
    }
  }
}
