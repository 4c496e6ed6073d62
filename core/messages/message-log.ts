// The message log: group-committed inserts (everything that arrived in one event-loop turn is one
// transaction; acks wait for the commit), idempotent retries, history pages and resume replays.
// Sequence numbers are handed out inside the commit, so a retried send (same txn, ignored by the
// unique index) never leaves a gap and costs no lookup unless it really is a retry.
import { AttachmentLinks } from '#core/attachments/queries'
import type { Connection } from '#core/connections/connection'
import type { Db, Sqlite } from '#core/db/client'
import { type StorageHealth, storageHealth } from '#core/db/storage-health'
import type { AttachmentView, EventFrame, MessageView } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'

export interface PendingMessage {
  room: RoomState
  /** Set by the commit: the new message's seq, or the stored one's when `duplicate`. */
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
  /** performance.now() when the frame arrived, for the fan-out latency histogram. */
  receivedAt: number
  /** The sender's connection (it gets the ack as well as the message). */
  origin?: Connection
  /** Called once the batch holding this message committed (err undefined) or failed. */
  done: (err: Error | undefined, message: PendingMessage) => void
}

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

export class MessageLog {
  private queue: PendingMessage[] = []
  private scheduled = false
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
  /** Told of every commit and failure: a full disk shows in /healthz, and the next commit clears it. */
  private readonly health: StorageHealth
  onBatch: ((size: number) => void) | undefined
  /**
   * Wraps the acks and fan-out of one committed batch: the hub corks the followers' sockets around
   * it, so a connection gets one write per batch instead of one per message.
   */
  around: ((batch: readonly PendingMessage[], deliver: () => void) => void) | undefined

  constructor(db: Db) {
    this.sqlite = db.$client
    const s = this.sqlite
    this.links = new AttachmentLinks(s)
    this.health = storageHealth(s)
    this.insertStmt = s.prepare(
      'INSERT INTO messages (room_id, seq, sender_id, sender_alias, txn, text, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, sender_id, txn) DO NOTHING',
    )
    this.commitBatch = s.transaction((batch: PendingMessage[]) => {
      for (const m of batch) this.store(m)
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
    this.editStmt = s.prepare('UPDATE messages SET text = ?, edited_at = ?, rev = ? WHERE room_id = ? AND seq = ?')
    this.deleteStmt = s.prepare(
      'UPDATE messages SET text = NULL, deleted_at = ?, deleted_by = ?, rev = ? WHERE room_id = ? AND seq = ?',
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

  /** Insert one message (or find the stored one, for a retry) and set its seq. */
  private store(m: PendingMessage): void {
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

  /** Queue the insert; the commit (and the sequence number) happens at the end of this turn. */
  append(message: Omit<PendingMessage, 'seq' | 'duplicate'>): void {
    const pending = message as PendingMessage
    pending.seq = 0
    pending.duplicate = false
    this.queue.push(pending)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  get queued(): number {
    return this.queue.length
  }

  /** Commit everything queued as one transaction, then report each message (ack, fan-out). */
  readonly flush = (): void => {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    const before = batch.map((m) => m.room.seq)
    let failure: Error | undefined
    try {
      // A lone message is one statement, which SQLite commits by itself: no BEGIN or COMMIT to run.
      const only = batch.length === 1 ? batch[0] : undefined
      if (only && !only.attachments) this.store(only)
      else this.commitBatch(batch)
      this.health.succeeded()
    } catch (err) {
      // A full disk, failing or damaged storage: the senders get its CHATHUB_STORAGE_* code.
      failure = this.health.failed(err) ?? (err as Error)
      // Nothing of the batch was stored: the rooms keep their sequence numbers.
      batch.forEach((m, i) => (m.room.seq = Math.min(m.room.seq, before[i] as number)))
    }
    this.onBatch?.(batch.length)
    const deliver = () => {
      for (const m of batch) m.done(failure, m)
    }
    if (this.around) this.around(batch, deliver)
    else deliver()
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

  /** Change the text of a message; returns the change's `rev`. */
  edit(room: RoomState, seq: number, text: string, at: number): number {
    const rev = this.rev(room) + 1
    this.editStmt.run(text, at, rev, room.id, seq)
    return (room.rev = rev)
  }

  /** Blank a message, keeping its tombstone; returns the change's `rev`. */
  remove(room: RoomState, seq: number, by: number, at: number): number {
    const rev = this.rev(room) + 1
    this.deleteStmt.run(at, by, rev, room.id, seq)
    return (room.rev = rev)
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
