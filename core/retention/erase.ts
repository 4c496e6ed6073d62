// Real deletion of messages, shared by the retention sweep and `chathub user remove --erase`: the rows
// and everything that refers to them, inside the caller's (short) write transaction.
//
// - reactions and mentions go by cascade (ON DELETE CASCADE on messages.id), and so do the links of
//   message_attachments; the attachments that only these messages carried are deleted here, so that
//   their files are unreferenced at once (the attachment sweep removes them: core/attachments/sweep.ts);
// - the bridges' ledger rows (remote id <-> seq) and queued outbound items of these messages (the
//   queue holds their text) are deleted, as a hub delete does (core/bridges/link-worker.ts);
// - search entries leave the full-text index by its triggers on `messages` (drizzle/0012_search.sql):
//   a deleted row by the delete trigger, an emptied one (text set to NULL) by the update trigger.
//
// Two rows per room are never deleted: the room's newest message (highest seq) and the one changed
// last (highest rev). A restarting hub reads a room's seq and change counter back as the highest in
// the table; deleting those rows would make them go backwards, and a number handed out twice is a
// message (or an edit) that resuming clients skip. Past the policy they are emptied instead: no text
// (nor MLS ciphertext), no remote sender name, no attachments, reactions or mentions, marked deleted, and their sender
// becomes the `~deleted` account (GHOST). They are deleted like any other once newer messages exist.
import type { Sqlite } from '#core/db/client'

/**
 * The account that holds what must outlive a removed account or a deleted message: tombstones kept
 * for the counters, and the messages of accounts removed without --erase. Its name is one no client
 * can type or register (user names start with a letter or digit); it has no password and is disabled.
 */
export const GHOST = '~deleted'

export interface RoomRef {
  id: number
  name: string
}

export interface MessageRef {
  id: number
  seq: number
}

export interface ErasedCounts {
  /** Messages deleted, or emptied to a tombstone. */
  messages: number
  /** Attachment rows deleted (their files go at the next attachment sweep, or right after). */
  attachments: number
}

/** JSON array of ids, for `IN (SELECT value FROM json_each(?))`. */
const idList = (rows: readonly MessageRef[]): string => JSON.stringify(rows.map((r) => r.id))

const ONLY_THESE = `FROM attachments a WHERE a.id IN (
    SELECT ma.attachment_id FROM message_attachments ma WHERE ma.message_id IN (SELECT value FROM json_each(?)))
  AND NOT EXISTS (
    SELECT 1 FROM message_attachments mb
    WHERE mb.attachment_id = a.id AND mb.message_id NOT IN (SELECT value FROM json_each(?)))`

/** Prepared statements over one connection; every method runs inside the caller's write transaction. */
export class MessageEraser {
  private readonly anchorsStmt
  private readonly attachmentsStmt
  private readonly countAttachmentsStmt
  private readonly linksStmt
  private readonly ledgerStmt
  private readonly queueStmt
  private readonly deleteStmt
  private readonly unlinkStmt
  private readonly reactionsStmt
  private readonly mentionsStmt
  private readonly blankStmt
  private readonly blankCountStmt
  private readonly ghostInsert
  private readonly ghostFind

  constructor(
    private readonly sqlite: Sqlite,
    /** The clock of `deleted_at` on emptied rows (ms since epoch). */
    private readonly now: () => number = Date.now,
  ) {
    const s = sqlite
    this.anchorsStmt = s.prepare<[number, number], { bySeq: number | null; byRev: number | null }>(
      `SELECT (SELECT id FROM messages WHERE room_id = ? ORDER BY seq DESC LIMIT 1) AS bySeq,
              (SELECT id FROM messages WHERE room_id = ? AND rev IS NOT NULL ORDER BY rev DESC LIMIT 1) AS byRev`,
    )
    this.attachmentsStmt = s.prepare<[string, string]>(
      `DELETE FROM attachments WHERE id IN (SELECT a.id ${ONLY_THESE})`,
    )
    this.countAttachmentsStmt = s.prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n ${ONLY_THESE}`,
    )
    this.linksStmt = s.prepare<[string], { link: string }>(
      'SELECT link FROM bridge_link_status WHERE room = ?',
    )
    this.ledgerStmt = s.prepare<[string, string, string]>(
      'DELETE FROM bridge_ledger WHERE link = ? AND room = ? AND seq IN (SELECT value FROM json_each(?))',
    )
    // Notices and remote deletes name no hub message whose text they hold (outbound-queue.ts, seqOf).
    this.queueStmt = s.prepare<[string, string]>(
      `DELETE FROM bridge_queue WHERE link = ? AND json_extract(payload, '$.item.type') NOT IN ('dropped', 'delete')
         AND json_extract(payload, '$.item.seq') IN (SELECT value FROM json_each(?))`,
    )
    this.deleteStmt = s.prepare<[string]>(
      'DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))',
    )
    this.unlinkStmt = s.prepare<[string]>(
      'DELETE FROM message_attachments WHERE message_id IN (SELECT value FROM json_each(?))',
    )
    this.reactionsStmt = s.prepare<[string]>(
      'DELETE FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))',
    )
    this.mentionsStmt = s.prepare<[string]>(
      'DELETE FROM mentions WHERE message_id IN (SELECT value FROM json_each(?))',
    )
    // seq is unique in a room, so '~<seq>' is a txn no other row of the ghost in that room has.
    const notBlank =
      'NOT (sender_id = ? AND text IS NULL AND mls IS NULL AND sender_alias IS NULL AND deleted_at IS NOT NULL AND edited_at IS NULL)'
    this.blankStmt = s.prepare<[number, number, string, number]>(
      `UPDATE messages SET text = NULL, sender_alias = NULL, edited_at = NULL, mls = NULL, mls_device = NULL, mls_users = NULL, sender_id = ?, txn = '~' || seq,
         deleted_at = coalesce(deleted_at, ?) WHERE id IN (SELECT value FROM json_each(?)) AND ${notBlank}`,
    )
    this.blankCountStmt = s.prepare<[string, number], { n: number }>(
      `SELECT count(*) AS n FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND ${notBlank}`,
    )
    this.ghostInsert = s.prepare<[string, number, number]>(
      `INSERT INTO users (name, password_hash, is_admin, kind, disabled_at, created_at)
       VALUES (?, NULL, 0, 'person', ?, ?) ON CONFLICT (name) DO NOTHING`,
    )
    this.ghostFind = s.prepare<[string], { id: number }>('SELECT id FROM users WHERE name = ?')
  }

  /** The id of the `~deleted` account, created on first use. */
  ghostId(): number {
    const found = this.ghostFind.get(GHOST)
    if (found) return found.id
    const at = this.now()
    this.ghostInsert.run(GHOST, at, at)
    const id = this.ghostFind.get(GHOST)?.id
    if (id === undefined) throw new Error(`creating the ${GHOST} account failed`)
    return id
  }

  /** The rows that keep the room's counters (see the module header): its newest and its last changed. */
  anchors(roomId: number): Set<number> {
    const row = this.anchorsStmt.get(roomId, roomId)
    const ids = new Set<number>()
    if (row?.bySeq != null) ids.add(row.bySeq)
    if (row?.byRev != null) ids.add(row.byRev)
    return ids
  }

  /** Delete these messages of `room` for good (anchors are emptied instead). */
  remove(room: RoomRef, rows: readonly MessageRef[]): ErasedCounts {
    if (rows.length === 0) return { messages: 0, attachments: 0 }
    const anchors = this.anchors(room.id)
    const kept = rows.filter((r) => anchors.has(r.id))
    const gone = rows.filter((r) => !anchors.has(r.id))
    const attachments = this.forget(room, rows)
    let messages = 0
    if (gone.length > 0) messages += this.deleteStmt.run(idList(gone)).changes
    if (kept.length > 0) {
      const ids = idList(kept)
      this.unlinkStmt.run(ids)
      this.reactionsStmt.run(ids)
      this.mentionsStmt.run(ids)
      messages += this.blankStmt.run(this.ghostId(), this.now(), ids, this.ghostId()).changes
    }
    return { messages, attachments }
  }

  /** What remove() would count, without writing (a dry run). */
  count(room: RoomRef, rows: readonly MessageRef[]): ErasedCounts {
    if (rows.length === 0) return { messages: 0, attachments: 0 }
    const anchors = this.anchors(room.id)
    const kept = rows.filter((r) => anchors.has(r.id))
    const ghost = this.ghostFind.get(GHOST)?.id ?? -1
    const blank = kept.length === 0 ? 0 : (this.blankCountStmt.get(idList(kept), ghost)?.n ?? 0)
    const ids = idList(rows)
    return {
      messages: rows.length - kept.length + blank,
      attachments: this.countAttachmentsStmt.get(ids, ids)?.n ?? 0,
    }
  }

  /** What refers to the messages outside their rows and cascades (search: the triggers, see the header). */
  private forget(room: RoomRef, rows: readonly MessageRef[]): number {
    const ids = idList(rows)
    const attachments = this.attachmentsStmt.run(ids, ids).changes
    const seqs = JSON.stringify(rows.map((r) => r.seq))
    for (const { link } of this.linksStmt.all(room.name)) {
      this.ledgerStmt.run(link, room.name, seqs)
      this.queueStmt.run(link, seqs)
    }
    return attachments
  }
}
