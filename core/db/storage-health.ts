// Whether the database can take writes: the last storage failure (disk full, read-only or failing
// storage) until a write succeeds again, and damage (an integrity check's findings, or SQLite
// reporting the file malformed). /healthz reports it; one per database connection.
import { statfsSync } from 'node:fs'
import { dirname, isAbsolute } from 'node:path'
import { ChatError, chatErrorOf, coreErrors } from '#core/errors'
import type { Sqlite } from './client.ts'

/** What /healthz shows while the storage fails. */
export interface StorageProblem {
  code: 'CHATHUB_STORAGE_FULL' | 'CHATHUB_STORAGE_FAILED' | 'CHATHUB_STORAGE_CORRUPT'
  message: string
  /** ISO time of the first failure of this kind. */
  since: string
  /** What the integrity check found (damage only), at most a few lines. */
  problems?: string[]
}

type Listener = (problem: StorageProblem | undefined, cause: unknown) => void

const isStorageCode = (code: string): code is StorageProblem['code'] =>
  code === 'CHATHUB_STORAGE_FULL' ||
  code === 'CHATHUB_STORAGE_FAILED' ||
  code === 'CHATHUB_STORAGE_CORRUPT'

/** While writes fail, /healthz tries one tiny write at most this often to see whether they work again. */
const PROBE_INTERVAL_MS = 1000

/** Free space the file system needs before the probe believes writes work again. */
const PROBE_MIN_FREE_BYTES = 1 << 20

export class StorageHealth {
  /** Full or failing storage: cleared by the next write that commits. */
  private failure: { error: ChatError; since: number } | undefined
  /** Damage: stays until the process restarts on a repaired file. */
  private damage: { since: number; problems: string[] } | undefined
  private lastProbe = 0
  private readonly listeners = new Set<Listener>()

  constructor(
    private readonly sqlite: Sqlite,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called with the new problem (undefined: recovered) whenever it changes. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * A write (or read) failed: when it is a storage failure, record it and return the error the
   * client gets (CHATHUB_STORAGE_*); anything else returns undefined and is not recorded.
   */
  failed(err: unknown): ChatError | undefined {
    const mapped = chatErrorOf(err)
    if (!mapped || !isStorageCode(mapped.code)) return undefined
    // The same error, carrying SQLite's for the log.
    const error = new ChatError(mapped.code, mapped.message, mapped.status, {
      cause: err,
      retryAfter: mapped.retryAfter,
    })
    if (error.code === 'CHATHUB_STORAGE_CORRUPT') {
      if (!this.damage) {
        this.damage = {
          since: this.now(),
          problems: [err instanceof Error ? err.message : String(err)],
        }
        this.emit(err)
      }
    } else if (this.failure?.error.code !== error.code) {
      this.failure = { error, since: this.now() }
      this.emit(err)
    }
    return error
  }

  /** A write committed: full or failing storage works again. */
  succeeded(): void {
    if (!this.failure) return
    this.failure = undefined
    this.emit(undefined)
  }

  /** The integrity check's findings (none: the file is sound). */
  checked(problems: string[]): void {
    if (problems.length === 0 || this.damage) return
    this.damage = { since: this.now(), problems: problems.slice(0, 10) }
    this.emit(problems)
  }

  /** The current problem, if any. While writes fail it first tries one tiny write (at most once a second). */
  problem(): StorageProblem | undefined {
    if (this.failure && !this.damage && this.now() - this.lastProbe >= PROBE_INTERVAL_MS)
      this.probe()
    return this.current()
  }

  private current(): StorageProblem | undefined {
    if (this.damage) {
      return {
        code: 'CHATHUB_STORAGE_CORRUPT',
        message: coreErrors.storageCorrupt().message,
        since: new Date(this.damage.since).toISOString(),
        problems: this.damage.problems,
      }
    }
    if (!this.failure) return undefined
    const { error, since } = this.failure
    return {
      code: error.code as StorageProblem['code'],
      message: error.message,
      since: new Date(since).toISOString(),
    }
  }

  /**
   * Rewrite the database header's user_version with its own value in a write transaction: the
   * commit appends a page to the WAL, which fails while the disk is full or read-only. A database at
   * its page limit with no free page (PRAGMA max_page_count) stays full without trying. Never waits
   * for another process's write lock: busy means "don't know yet".
   */
  private probe(): void {
    this.lastProbe = this.now()
    const s = this.sqlite
    const pages = (pragma: string) => Number(s.pragma(pragma, { simple: true }))
    if (pages('page_count') >= pages('max_page_count') && pages('freelist_count') === 0) return
    // A tiny write can fit in WAL space a checkpoint freed while real writes still fail: the file
    // system must have room too.
    if (this.fileSystemFree() < PROBE_MIN_FREE_BYTES) return
    const timeout = pages('busy_timeout')
    s.pragma('busy_timeout = 0')
    try {
      s.transaction(() => {
        s.pragma(`user_version = ${pages('user_version')}`)
      }).immediate()
      this.succeeded()
    } catch (err) {
      this.failed(err)
    } finally {
      s.pragma(`busy_timeout = ${timeout}`)
    }
  }

  /** Bytes free on the database's file system (Infinity when it cannot be told, e.g. in memory). */
  private fileSystemFree(): number {
    if (!isAbsolute(this.sqlite.name)) return Number.POSITIVE_INFINITY
    try {
      const { bavail, bsize } = statfsSync(dirname(this.sqlite.name))
      return bavail * bsize
    } catch {
      return Number.POSITIVE_INFINITY
    }
  }

  private emit(cause: unknown): void {
    const problem = this.current()
    for (const listener of this.listeners) listener(problem, cause)
  }
}

// Kept beside each connection rather than in a module-level singleton of the hub: a process may
// open several databases (tests, the CLI), and each has its own health.
const byConnection = new WeakMap<Sqlite, StorageHealth>()

/** The health of this connection's database file. */
export const storageHealth = (sqlite: Sqlite): StorageHealth => {
  let health = byConnection.get(sqlite)
  if (!health) byConnection.set(sqlite, (health = new StorageHealth(sqlite)))
  return health
}
