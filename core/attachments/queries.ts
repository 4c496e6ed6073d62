// Attachment rows: insert, look up, check the ids of a `say`, link them to a message, and load the
// attachments of a page of messages in one query. Plain functions on the db (better-sqlite3 is sync).
import { eq, inArray } from 'drizzle-orm'
import type { Db, Sqlite } from '#core/db/client'
import { type Attachment, attachments } from '#core/db/schema/attachments'
import { rooms } from '#core/db/schema/rooms'
import type { AttachmentView } from '#core/protocol/messages'
import { attachmentErrors } from './errors.ts'

export const toAttachmentView = (a: Pick<Attachment, 'id' | 'name' | 'mime' | 'size' | 'width' | 'height'>): AttachmentView => {
  const view: AttachmentView = { id: a.id, name: a.name, mime: a.mime, size: a.size }
  if (a.width !== null) view.width = a.width
  if (a.height !== null) view.height = a.height
  return view
}

export const insertAttachment = (db: Db, row: typeof attachments.$inferInsert): Attachment =>
  db.insert(attachments).values(row).returning().get()

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
    this.linkStmt = sqlite.prepare('INSERT INTO message_attachments (message_id, attachment_id, position) VALUES (?, ?, ?)')
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
    list.forEach((a, position) => this.linkStmt.run(messageId, a.id, position))
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
