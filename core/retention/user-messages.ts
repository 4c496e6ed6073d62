// What becomes of a removed account's messages (`chathub user remove`), room by room in short paced
// write transactions:
// - keep (the default): they stay where they are, anonymised: their sender becomes the `~deleted`
//   account (erase.ts, GHOST), together with the attachments they carry. The text stays; the name
//   is gone from them, and cannot be given back (every removed account's messages look alike).
// - erase (--erase): they are deleted for good, as retention deletes (erase.ts).
// Either way nothing of them is left pointing at the account, so deleting its row afterwards
// cascades only to what is its own (sessions, memberships, reactions, read markers, unsent uploads).
import type { Db, Sqlite } from '#core/db/client'
import { type PacedOptions, pacedBatches } from '#core/db/paced-batches'
import { type MessageRef, MessageEraser, type RoomRef } from './erase.ts'

export type MessageFate = 'keep' | 'erase'

export interface UserMessagesReport {
  /** Messages anonymised (keep) or deleted (erase). */
  messages: number
  /** erase: attachment rows deleted; keep: attachment rows moved to `~deleted`. */
  attachments: number
  /** Messages per room name. */
  rooms: Record<string, number>
}

/** Moves or erases one account's messages; `run` in paced batches, then `finish` inside the final transaction. */
export class UserMessages {
  readonly report: UserMessagesReport = { messages: 0, attachments: 0, rooms: {} }
  /** Rooms where messages were moved or erased. */
  private readonly touched: RoomRef[] = []
  private readonly eraser: MessageEraser
  private readonly roomsStmt
  private readonly pageStmt
  private readonly moveStmt
  private readonly moveAttachmentsStmt

  constructor(
    private readonly db: Db,
    private readonly userId: number,
    private readonly fate: MessageFate,
    now: () => number = Date.now,
  ) {
    const s: Sqlite = db.$client
    this.eraser = new MessageEraser(s, now)
    // The unique index (room_id, sender_id, txn) finds an account's messages room by room.
    this.roomsStmt = s.prepare<[number], RoomRef>(
      'SELECT r.id, r.name FROM rooms r WHERE EXISTS (SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.sender_id = ?) ORDER BY r.id',
    )
    this.pageStmt = s.prepare<[number, number, number], MessageRef>(
      'SELECT id, seq FROM messages WHERE room_id = ? AND sender_id = ? LIMIT ?',
    )
    // seq is unique in a room, so '~<seq>' is a txn no other row of the ghost in that room has.
    this.moveStmt = s.prepare<[number, string]>(
      "UPDATE messages SET sender_id = ?, txn = '~' || seq WHERE id IN (SELECT value FROM json_each(?))",
    )
    this.moveAttachmentsStmt = s.prepare<[number, number, string]>(
      `UPDATE attachments SET uploader_id = ? WHERE uploader_id = ? AND id IN (
         SELECT attachment_id FROM message_attachments WHERE message_id IN (SELECT value FROM json_each(?)))`,
    )
  }

  /** Every room's messages, in paced batches; false when the signal stopped it. */
  async run(options: PacedOptions = {}): Promise<boolean> {
    for (const room of this.roomsStmt.all(this.userId)) {
      const finished = await pacedBatches(this.db, (limit) => this.batch(room, limit), options)
      if (!finished) return false
    }
    return true
  }

  /**
   * What is left (messages sent while run() went on): all of it, inside the caller's transaction,
   * which then deletes the account. Returns the rooms whose messages were erased (for the feed).
   */
  finish(): RoomRef[] {
    for (const room of this.roomsStmt.all(this.userId)) {
      while (!this.batch(room, 1000).done);
    }
    return this.fate === 'erase' ? this.touched : []
  }

  private batch(room: RoomRef, limit: number): { rows: number; done: boolean } {
    const rows = this.pageStmt.all(room.id, this.userId, limit)
    if (rows.length === 0) return { rows: 0, done: true }
    let counts: { messages: number; attachments: number }
    if (this.fate === 'erase') {
      counts = this.eraser.remove(room, rows)
    } else {
      const ghost = this.eraser.ghostId()
      const ids = JSON.stringify(rows.map((r) => r.id))
      const attachments = this.moveAttachmentsStmt.run(ghost, this.userId, ids).changes
      counts = { messages: this.moveStmt.run(ghost, ids).changes, attachments }
    }
    this.report.messages += counts.messages
    this.report.attachments += counts.attachments
    this.report.rooms[room.name] = (this.report.rooms[room.name] ?? 0) + counts.messages
    if (!this.touched.some((r) => r.id === room.id)) this.touched.push(room)
    // Every row taken no longer has this sender (moved, deleted or emptied to the ghost).
    return { rows: rows.length, done: rows.length < limit }
  }
}
