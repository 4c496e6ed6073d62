// The attachment sweep: deletes uploads never sent in a message within attachments.unlinkedTtlMinutes
// and the attachments of deleted messages (the message's tombstone stays), then every stored file and
// thumbnail that no row references any more (deleted rooms and users leave those behind by cascade),
// and temp files of abandoned uploads. Run by the hub on a timer and by `chathub attachment prune`.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Db } from '#core/db/client'
import type { AttachmentStore, FileKind } from './storage.ts'

export interface SweepOptions {
  /** The clock (ms since epoch) the TTL is measured with. */
  now: number
  /** Uploads not linked to any message for this long (since their upload) are deleted. */
  unlinkedTtlMs: number
  /** Temp files not written to for this long belong to abandoned uploads. Default TMP_GRACE_MS. */
  tmpGraceMs?: number
  /**
   * Called right before each batch of rows is deleted. The hub commits its queued messages here, so
   * that a `say` accepted a moment ago links its attachments before the sweep looks for unlinked ones.
   */
  beforeDelete?: () => void
  /** Rows or files per write transaction (short transactions: a hub sharing the file keeps writing). */
  batchSize?: number
  /** Stops the sweep at its next batch (the hub's shutdown); what was done so far is reported. */
  signal?: AbortSignal
}

export interface SweepReport {
  /** Uploads deleted because no message carried them within the TTL. */
  unlinked: number
  /** Attachments deleted because every message carrying them was deleted. */
  ofDeletedMessages: number
  /** Stored files deleted because no attachment referenced them any more. */
  files: number
  thumbnails: number
  /** Temp files of abandoned uploads deleted. */
  tmp: number
  bytesFreed: number
}

/** An hour: far longer than any upload goes without writing a byte. */
export const TMP_GRACE_MS = 3_600_000
const BATCH = 500

const UNLINKED = `DELETE FROM attachments WHERE rowid IN (
  SELECT a.rowid FROM attachments a
  WHERE a.created_at < ? AND NOT EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = a.id)
  LIMIT ?) RETURNING id`

const OF_DELETED_MESSAGES = `DELETE FROM attachments WHERE rowid IN (
  SELECT a.rowid FROM attachments a
  WHERE EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = a.id)
    AND NOT EXISTS (
      SELECT 1 FROM message_attachments ma JOIN messages m ON m.id = ma.message_id
      WHERE ma.attachment_id = a.id AND m.deleted_at IS NULL)
  LIMIT ?) RETURNING id`

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/**
 * One sweep. Rows go first (each batch re-checks its condition inside its own write transaction, so a
 * message linking an upload at that moment keeps it). Files go next: a file is a candidate when no row
 * referenced it at a first, unlocked look; each batch of candidates is looked up again and deleted
 * inside one write transaction, which is what makes it safe against an upload committing the same
 * bytes right then (see commitUpload in queries.ts).
 */
export const sweepAttachments = async (db: Db, store: AttachmentStore, options: SweepOptions): Promise<SweepReport> => {
  const sqlite = db.$client
  const batch = options.batchSize ?? BATCH
  const report: SweepReport = { unlinked: 0, ofDeletedMessages: 0, files: 0, thumbnails: 0, tmp: 0, bytesFreed: 0 }

  const unlinked = sqlite.prepare<[number, number], { id: string }>(UNLINKED)
  const ofDeleted = sqlite.prepare<[number], { id: string }>(OF_DELETED_MESSAGES)
  /** Let the event loop breathe between batches; false once the sweep should stop. */
  const goOn = async (): Promise<boolean> => {
    await nextTurn()
    return options.signal?.aborted !== true
  }
  const drain = async (deleteBatch: () => number, count: (n: number) => void): Promise<boolean> => {
    for (;;) {
      options.beforeDelete?.()
      const n = sqlite.transaction(deleteBatch).immediate()
      count(n)
      if (!(await goOn())) return false
      if (n < batch) return true
    }
  }
  const cutoff = options.now - options.unlinkedTtlMs
  if (!(await drain(() => unlinked.all(cutoff, batch).length, (n) => (report.unlinked += n)))) return report
  if (!(await drain(() => ofDeleted.all(batch).length, (n) => (report.ofDeletedMessages += n)))) return report

  const { files, thumbs } = await store.list()
  const fileUsed = sqlite.prepare<[string], { one: number }>('SELECT 1 AS one FROM attachments WHERE sha256 = ? LIMIT 1')
  const candidates: string[] = []
  for (const part of chunks(files, batch)) {
    for (const sha256 of part) if (fileUsed.get(sha256) === undefined) candidates.push(sha256)
    if (!(await goOn())) return report
  }
  const thumbsUsed = new Set<string>()
  const thumbRows = sqlite.prepare<[], { sha256: string }>(
    'SELECT DISTINCT thumbnail_sha256 AS sha256 FROM attachments WHERE thumbnail_sha256 IS NOT NULL',
  )
  for (const row of thumbRows.iterate()) thumbsUsed.add(row.sha256)
  const thumbCandidates = thumbs.filter((sha256) => !thumbsUsed.has(sha256))

  const filesReferenced = sqlite.prepare<[string], { sha256: string }>(
    'SELECT DISTINCT sha256 FROM attachments WHERE sha256 IN (SELECT value FROM json_each(?))',
  )
  const thumbsReferenced = sqlite.prepare<[string], { sha256: string }>(
    'SELECT DISTINCT thumbnail_sha256 AS sha256 FROM attachments WHERE thumbnail_sha256 IN (SELECT value FROM json_each(?))',
  )
  const removeUnreferenced = (kind: FileKind, part: string[]): number => {
    const lookup = kind === 'file' ? filesReferenced : thumbsReferenced
    const still = new Set(lookup.all(JSON.stringify(part)).map((r) => r.sha256))
    let removed = 0
    for (const sha256 of part) {
      if (still.has(sha256)) continue
      const freed = store.remove(sha256, kind)
      if (freed === undefined) continue
      removed++
      report.bytesFreed += freed
    }
    return removed
  }
  for (const [kind, list] of [['file', candidates], ['thumb', thumbCandidates]] as const) {
    for (const part of chunks(list, batch)) {
      const removed = sqlite.transaction(() => removeUnreferenced(kind, part)).immediate()
      if (kind === 'file') report.files += removed
      else report.thumbnails += removed
      if (!(await goOn())) return report
    }
  }

  const staleBefore = options.now - (options.tmpGraceMs ?? TMP_GRACE_MS)
  for (const tmp of await store.listTmp()) {
    if (store.isBusy(tmp.name) || tmp.mtimeMs >= staleBefore) continue
    const freed = await store.removeTmp(tmp.name)
    if (freed === undefined) continue
    report.tmp++
    report.bytesFreed += freed
  }
  return report
}

/** True when the sweep removed anything. */
export const sweptAnything = (r: SweepReport): boolean =>
  r.unlinked + r.ofDeletedMessages + r.files + r.thumbnails + r.tmp > 0
