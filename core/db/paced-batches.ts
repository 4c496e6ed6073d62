// Big deletions in short write transactions, paced so that a running hub's writes get the lock in
// between: one transaction over a million rows would hold SQLite's write lock for seconds, and every
// client of the hub waits that long for its acks. Used by room deletion (room-purge.ts), retention
// and user erasure (core/retention/).
import { type Db, writeTransaction } from './client.ts'

/** Target duration of one batch's transaction; rows per batch follow the measured speed. */
export const BATCH_MS = 10
const FIRST_BATCH_ROWS = 1000
const MIN_BATCH_ROWS = 50
const MAX_BATCH_ROWS = 5000
/**
 * Pause after each batch, at least this long (and as long as the batch took): SQLite's busy
 * handler in a waiting writer sleeps 1, 2, 5, 10, 15, 20, 25 ms between retries, so a pause of
 * 25 ms is always seen by one of them.
 */
const MIN_PAUSE_MS = 25

/** What one batch did: rows it changed, and whether there is nothing left after it. */
export interface BatchResult {
  rows: number
  done: boolean
}

export interface PacedOptions {
  /** Stop between batches (the hub is closing); what is left is for the next run. */
  signal?: AbortSignal
  /** After each committed batch that changed rows (tests and progress output). */
  onBatch?: (rows: number, ms: number) => void
}

/**
 * Run `batch` in write transactions of about BATCH_MS each until it says `done`, pausing after every
 * batch that changed rows. `batch` gets the number of rows to take this time and must leave the
 * database consistent at its commit. Resolves false when `signal` stopped it before the end.
 *
 * @example
 * const del = sqlite.prepare('DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE k = ? LIMIT ?)')
 * await pacedBatches(db, (limit) => {
 *   const rows = del.run(key, limit).changes
 *   return { rows, done: rows === 0 }
 * })
 */
export const pacedBatches = async (
  db: Db,
  batch: (limit: number) => BatchResult,
  options: PacedOptions = {},
): Promise<boolean> => {
  const pace = new Pace()
  for (;;) {
    if (options.signal?.aborted) return false
    const started = performance.now()
    const result = writeTransaction(db, () => batch(pace.rows))
    const ms = performance.now() - started
    if (result.rows > 0) {
      options.onBatch?.(result.rows, ms)
      await pace.after(ms)
    }
    if (result.done) return true
  }
}

/** Rows per batch, adjusted to take about BATCH_MS each, and the pause after each. */
class Pace {
  rows = FIRST_BATCH_ROWS

  after(ms: number): Promise<void> {
    const scaled = Math.round((this.rows * BATCH_MS) / Math.max(ms, 1))
    this.rows = Math.min(MAX_BATCH_ROWS, Math.max(MIN_BATCH_ROWS, Math.min(scaled, this.rows * 2)))
    return new Promise((resolve) => setTimeout(resolve, Math.max(MIN_PAUSE_MS, ms)))
  }
}
