// Attachment rows: insert (with their files, atomically), look up, check the ids of a `say`, link them
// to a message, load the attachments of a page of messages in one query, and storage usage.
// Plain functions on the db (better-sqlite3 is sync).
import { eq, inArray } from '#drizzle'
import type { Db, Sqlite } from '#core/db/client'
import { type Attachment, attachments } from '#core/db/schema/attachments'
import { rooms } from '#core/db/schema/rooms'
import type { AttachmentView } from '#core/protocol/messages'
import { attachmentErrors } from './errors.ts'
import type { AttachmentStore, Staged } from './storage.ts'

export const toAttachmentView = (a: Pick<Attachment, 'id' | 'name' | 'mime' | 'size' | 'width' | 'height'>): AttachmentView => {
  const view: AttachmentView = { id: a.id, name: a.name, mime: a.mime, size: a.size }
  if (a.width !== null) view.width = a.width
  if (a.height !== null) view.height = a.height
  return view
}

export const insertAttachment = (db: Db, row: typeof attachments.$inferInsert): Attachment => {
  // .all(), not .get(): an autocommit RETURNING statement stepped once and reset loses a failed commit.
  const [stored] = db.insert(attachments).values(row).returning().all()
  if (!stored) throw new Error('inserting an attachment returned no row')
  return stored
}

/**
 * Move an upload's staged file (and thumbnail) to their content addresses and insert its row, in one
 * IMMEDIATE transaction. The sweep checks "does any row reference this digest?" and deletes the file
 * inside a write transaction too, and SQLite serialises write transactions across processes: either
 * the row is committed first (the sweep sees it and keeps the file) or the sweep's delete is (the
 * upload then finds no file and moves its own copy into place). An upload whose bytes are already
 * stored can therefore never end up with a row pointing at a file the sweep just removed.
 */
export const commitUpload = (
  db: Db,
  store: AttachmentStore,
  files: { file: Staged; thumb?: Staged | undefined },
  row: typeof attachments.$inferInsert,
): Attachment =>
  db.$client
    .transaction(() => {
      store.place(files.file, 'file')
      if (files.thumb) store.place(files.thumb, 'thumb')
      return insertAttachment(db, row)
    })
    .immediate()

/** An attachment with the name of its room. */
export const findAttachment = (db: Db, id: string): (Attachment & { roomName: string }) | undefined => {
  const row = db
    .select({ attachment: attachments, roomName: rooms.name })
    .from(attachments)
    .innerJoin(rooms, eq(rooms.id, attachments.roomId))
    .where(eq(attachments.id, id))
    .get()
  return row && { ...row.attachment, roomName: row.roomName }
}

/**
 * The attachments a `say` names, in its order: each must have been uploaded by the sender to this
 * room (CHATHUB_ATTACHMENT_INVALID otherwise, naming the first bad id).
 */
export const ownAttachments = (
  db: Db,
  ids: readonly string[],
  uploaderId: number,
  room: { id: number; name: string },
): AttachmentView[] => {
  const rows = db.select().from(attachments).where(inArray(attachments.id, [...ids])).all()
  const byId = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => {
    const row = byId.get(id)
    if (!row || row.uploaderId !== uploaderId || row.roomId !== room.id) throw attachmentErrors.notYours(id, room.name)
    return toAttachmentView(row)
  })
}

/** Prepared statements on the raw handle for the message log's hot paths (commit, pages). */
export class AttachmentLinks {
  private readonly linkStmt
  private readonly forStmt

  constructor(sqlite: Sqlite) {
    // An upload pruned between the `say` check and the commit is skipped, not a failed batch.
    this.linkStmt = sqlite.prepare(
      'INSERT INTO message_attachments (message_id, attachment_id, position) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM attachments WHERE id = ?)',
    )
    this.forStmt = sqlite.prepare<
      [string],
      { message_id: number; id: string; name: string; mime: string; size: number; width: number | null; height: number | null }
    >(
      'SELECT ma.message_id, a.id, a.name, a.mime, a.size, a.width, a.height FROM message_attachments ma ' +
        'JOIN attachments a ON a.id = ma.attachment_id ' +
        'WHERE ma.message_id IN (SELECT value FROM json_each(?)) ORDER BY ma.message_id, ma.position',
    )
  }

  /** Link inside the caller's transaction (the message log's group commit). */
  link(messageId: number, list: readonly AttachmentView[]): void {
    list.forEach((a, position) => this.linkStmt.run(messageId, a.id, position, a.id))
  }

  /** The attachments of these messages (by messages.id); messages without any are absent. */
  forMessages(messageIds: readonly number[]): Map<number, AttachmentView[]> {
    const out = new Map<number, AttachmentView[]>()
    if (messageIds.length === 0) return out
    for (const row of this.forStmt.all(JSON.stringify(messageIds))) {
      let list = out.get(row.message_id)
      if (!list) out.set(row.message_id, (list = []))
      list.push(toAttachmentView(row))
    }
    return out
  }
}

/** Bytes of every attachment row a user uploaded (each upload counts, even of bytes stored once). */
export const userStoredBytes = (db: Db, userId: number): number =>
  db.$client
    .prepare<[number], { bytes: number }>('SELECT coalesce(sum(size), 0) AS bytes FROM attachments WHERE uploader_id = ?')
    .get(userId)?.bytes ?? 0

/** Bytes of the distinct stored files (what the attachments take on disk, thumbnails aside). */
export const hubStoredBytes = (db: Db): number =>
  db.$client
    .prepare<[], { bytes: number }>(
      'SELECT coalesce(sum(size), 0) AS bytes FROM (SELECT max(size) AS size FROM attachments GROUP BY sha256)',
    )
    .get()?.bytes ?? 0

export interface UserUsage {
  user: string
  /** Attachment rows (uploads) the user has. */
  uploads: number
  bytes: number
  /** Uploads not (yet) sent in any message: they expire after attachments.unlinkedTtlMinutes. */
  unsent: number
}

/** Per-user usage, biggest first; with `userId`, that user only (a row of zeros when they have none). */
export const usageByUser = (db: Db, userId?: number): UserUsage[] => {
  const unsent =
    'sum(CASE WHEN a.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = a.id) THEN 1 ELSE 0 END)'
  const sql =
    `SELECT u.name AS user, count(a.id) AS uploads, coalesce(sum(a.size), 0) AS bytes, coalesce(${unsent}, 0) AS unsent ` +
    'FROM users u ' +
    (userId === undefined ? 'JOIN' : 'LEFT JOIN') +
    ' attachments a ON a.uploader_id = u.id ' +
    (userId === undefined ? '' : 'WHERE u.id = ? ') +
    'GROUP BY u.id ORDER BY bytes DESC, u.name ASC'
  const stmt = db.$client.prepare<unknown[], UserUsage>(sql)
  return userId === undefined ? stmt.all() : stmt.all(userId)
}

/** Totals over the whole hub: rows, distinct files and their bytes. */
export const usageTotals = (db: Db): { uploads: number; files: number; bytes: number } => {
  const row = db.$client
    .prepare<[], { uploads: number; files: number }>(
      'SELECT count(*) AS uploads, count(DISTINCT sha256) AS files FROM attachments',
    )
    .get()
  return { uploads: row?.uploads ?? 0, files: row?.files ?? 0, bytes: hubStoredBytes(db) }
}
