// The message store: a pure store of the message log (no connections, no delivery). It commits a
// batch of writes (messages, edits, deletes) in one transaction and reads history pages, resume
// replays and change lists. Sequence numbers and change counters are handed out inside the commit,
// so a retried send (same txn, ignored by the unique index) never leaves a gap and costs no lookup
// unless it really is a retry. core/messages/pipeline.ts batches the writes; delivery.ts delivers.
import { AttachmentLinks } from '#core/attachments/queries'
import type { Db, Sqlite } from '#core/db/client'
import type { AttachmentView, EventFrame, MessageView } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'

/** A new message. The store sets `seq` and `duplicate` when it commits. */
export interface MessageWrite {
  kind: 'message'
  room: RoomState
  /** The new message's seq, or the stored one's when `duplicate`. */
  seq: number
  /** The same (room, sender, txn) was stored before: nothing new was written. */
  duplicate: boolean
  senderId: number
  sender: string
  /** A bridged remote sender (`name@network`) shown instead of the bridge account. */
  alias: string | undefined
  bot: boolean
  txn: string
  text: string
  replyTo: number | undefined
  /** Checked by the caller (uploaded by the sender to this room); linked in the same commit. */
  attachments?: AttachmentView[]
  ts: number
}

/** New text for a message; `applied` is false when it was deleted before the commit. */
export interface EditWrite {
  kind: 'edit'
  room: RoomState
  seq: number
  text: string
  at: number
  rev: number
  applied: boolean
}

/** A message blanked to its tombstone; `applied` is false when it was already deleted. */
export interface DeleteWrite {
  kind: 'delete'
  room: RoomState
  seq: number
  byId: number
  by: string
  at: number
  rev: number
  applied: boolean
}

/** One change to the log. Every write of an event-loop turn commits in one transaction. */
export type LogWrite = MessageWrite | EditWrite | DeleteWrite

interface Row {
  id: number
  seq: number
  sender: string
  alias: string | null
  kind: string
  txn: string
  text: string | null
  reply_to: number | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
}

interface ChangeRow {
  seq: number
  text: string | null
  edited_at: number | null
  deleted_at: number | null
  deleted_by: string | null
  rev: number
}

type ChangeEvent = Extract<EventFrame, { type: 'edited' | 'deleted' }>

const COLUMNS = `m.id, m.seq, u.name AS sender, m.sender_alias AS alias, u.kind, m.txn, m.text, m.reply_to, m.created_at, m.edited_at, m.deleted_at`

export const toView = (room: string, r: Row): MessageView => {
  const view: MessageView = { room, seq: r.seq, from: r.alias ?? r.sender, text: r.text, ts: r.created_at }
  if (r.alias !== null) view.via = r.sender
  view.txn = r.txn
  if (r.reply_to !== null) view.replyTo = r.reply_to
  if (r.edited_at !== null) view.editedAt = r.edited_at
  if (r.deleted_at !== null) view.deletedAt = r.deleted_at
  if (r.kind !== 'person') view.bot = true
  return view
}

export class MessageStore {
  private readonly sqlite: Sqlite
  private readonly insertStmt
  private readonly commitBatch
  private readonly findTxnStmt
  private readonly afterStmt
  private readonly beforeStmt
  private readonly latestStmt
  private readonly oneStmt
  private readonly maxSeqStmt
  private readonly editStmt
  private readonly deleteStmt
  private readonly maxRevStmt
  private readonly changedStmt
  private readonly links: AttachmentLinks

  constructor(db: Db) {
    this.sqlite = db.$client
    const s = this.sqlite
    this.links = new AttachmentLinks(s)
    this.insertStmt = s.prepare(
      'INSERT INTO messages (room_id, seq, sender_id, sender_alias, txn, text, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, sender_id, txn) DO NOTHING',
    )
    this.commitBatch = s.transaction((batch: readonly LogWrite[]) => {
      for (const w of batch) this.write(w)
    }).immediate
    this.findTxnStmt = s.prepare<[number, number, string], { seq: number }>(
      'SELECT seq FROM messages WHERE room_id = ? AND sender_id = ? AND txn = ?',
    )
    const from = 'FROM messages m JOIN users u ON u.id = m.sender_id'
    this.afterStmt = s.prepare<[number, number, number], Row>(
      `SELECT ${COLUMNS} ${from} WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
    )
    this.beforeStmt = s.prepare<[number, number, number], Row>(
      `SELECT ${COLUMNS} ${from} WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    )
    this.latestStmt = s.prepare<[number, number], Row>(
      `SELECT ${COLUMNS} ${from} WHERE m.room_id = ? ORDER BY m.seq DESC LIMIT ?`,
    )
    this.oneStmt = s.prepare<[number, number], Row & { sender_id: number }>(
      `SELECT ${COLUMNS}, m.sender_id ${from} WHERE m.room_id = ? AND m.seq = ?`,
    )
    this.maxSeqStmt = s.prepare<[number], { seq: number | null }>(
      'SELECT max(seq) AS seq FROM messages WHERE room_id = ?',
    )
    // A change to a message deleted since it was checked is not applied (the writer is told).
    this.editStmt = s.prepare(
      'UPDATE messages SET text = ?, edited_at = ?, rev = ? WHERE room_id = ? AND seq = ? AND deleted_at IS NULL',
    )
    this.deleteStmt = s.prepare(
      'UPDATE messages SET text = NULL, deleted_at = ?, deleted_by = ?, rev = ? WHERE room_id = ? AND seq = ? AND deleted_at IS NULL',
    )
    this.maxRevStmt = s.prepare<[number], { rev: number | null }>(
      'SELECT max(rev) AS rev FROM messages WHERE room_id = ? AND rev IS NOT NULL',
    )
    this.changedStmt = s.prepare<[number, number, number, number], ChangeRow>(
      `SELECT m.seq, m.text, m.edited_at, m.deleted_at, m.rev, d.name AS deleted_by ${from}
       LEFT JOIN users d ON d.id = m.deleted_by
       WHERE m.room_id = ? AND m.rev IS NOT NULL AND m.rev > ? AND m.seq <= ? ORDER BY m.rev ASC LIMIT ?`,
    )
  }

  /** Apply one write inside the commit, setting what it got (seq, rev, whether it applied). */
  private write(w: LogWrite): void {
    if (w.kind === 'message') return this.insert(w)
    const rev = this.rev(w.room) + 1
    const { changes } =
      w.kind === 'edit'
        ? this.editStmt.run(w.text, w.at, rev, w.room.id, w.seq)
        : this.deleteStmt.run(w.at, w.byId, rev, w.room.id, w.seq)
    w.applied = changes === 1
    if (w.applied) w.rev = w.room.rev = rev
  }

  /** Insert one message (or find the stored one, for a retry) and set its seq. */
  private insert(m: MessageWrite): void {
    const seq = m.room.seq + 1
    const { changes, lastInsertRowid } = this.insertStmt.run(
      m.room.id,
      seq,
      m.senderId,
      m.alias ?? null,
      m.txn,
      m.text,
      m.replyTo ?? null,
      m.ts,
    )
    if (changes === 1) {
      m.seq = m.room.seq = seq
      m.duplicate = false
      if (m.attachments) this.links.link(Number(lastInsertRowid), m.attachments)
    } else {
      m.seq = this.findTxnStmt.get(m.room.id, m.senderId, m.txn)?.seq ?? 0
      m.duplicate = true
    }
  }

  /** The highest committed sequence number of a room. */
  maxSeq(roomId: number): number {
    return this.maxSeqStmt.get(roomId)?.seq ?? 0
  }

  /**
   * Commit the writes as one transaction (in order). On failure nothing of the batch is stored, the
   * rooms keep their seq and rev, and the error is thrown.
   */
  commit(batch: readonly LogWrite[]): void {
    const before = batch.map((w) => [w.room.seq, w.room.rev] as const)
    try {
      // A lone message is one statement, which SQLite commits by itself: no BEGIN or COMMIT to run.
      const only = batch.length === 1 ? batch[0] : undefined
      if (only?.kind === 'message' && !only.attachments) this.insert(only)
      else this.commitBatch(batch)
    } catch (err) {
      batch.forEach((w, i) => {
        const [seq, rev] = before[i] as readonly [number, number | undefined]
        w.room.seq = Math.min(w.room.seq, seq)
        w.room.rev = rev === undefined || w.room.rev === undefined ? undefined : Math.min(w.room.rev, rev)
      })
      throw err
    }
  }

  /** Messages after `seq`, oldest first (resume replay). */
  after(room: RoomState, seq: number, limit: number): MessageView[] {
    return this.views(room, this.afterStmt.all(room.id, seq, limit))
  }

  /** A page of history before `before` (or the newest), returned oldest first. */
  page(room: RoomState, before: number | undefined, limit: number): { messages: MessageView[]; more: boolean } {
    const rows =
      before === undefined ? this.latestStmt.all(room.id, limit + 1) : this.beforeStmt.all(room.id, before, limit + 1)
    const more = rows.length > limit
    const page = rows.slice(0, limit).reverse()
    return { messages: this.views(room, page), more }
  }

  one(room: RoomState, seq: number): (MessageView & { senderId: number }) | undefined {
    const row = this.oneStmt.get(room.id, seq)
    return row ? { ...this.views(room, [row])[0]!, senderId: row.sender_id } : undefined
  }

  /** Rows to views, with the attachments of messages that are not deleted (one query per page). */
  private views(room: RoomState, rows: Row[]): MessageView[] {
    const files = this.links.forMessages(rows.filter((r) => r.deleted_at === null).map((r) => r.id))
    return rows.map((r) => {
      const view = toView(room.name, r)
      const list = files.get(r.id)
      if (list) view.attachments = list
      return view
    })
  }

  /** The room's change counter (0 before its first edit or delete). */
  rev(room: RoomState): number {
    room.rev ??= this.maxRevStmt.get(room.id)?.rev ?? 0
    return room.rev
  }

  /**
   * The edits and deletes after `rev` of messages up to `seq` (later ones are replayed whole),
   * oldest change first, as the events a connected client would have received.
   */
  changesAfter(room: RoomState, rev: number, seq: number, limit: number): ChangeEvent[] {
    return this.changedStmt.all(room.id, rev, seq, limit).map((r) =>
      r.deleted_at !== null
        ? { type: 'deleted', room: room.name, seq: r.seq, by: r.deleted_by ?? '', deletedAt: r.deleted_at, rev: r.rev }
        : { type: 'edited', room: room.name, seq: r.seq, text: r.text ?? '', editedAt: r.edited_at ?? 0, rev: r.rev },
    )
  }
}
