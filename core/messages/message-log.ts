// The message log: group-committed inserts (everything that arrived in one event-loop turn is one
// transaction; acks wait for the commit), idempotent retries, history pages and resume replays.
import type { Db, Sqlite } from '#core/db/client'
import type { MessageView } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'

export interface PendingMessage {
  room: RoomState
  seq: number
  senderId: number
  sender: string
  bot: boolean
  txn: string
  text: string
  replyTo: number | undefined
  ts: number
  /** performance.now() when the frame arrived, for the fan-out latency histogram. */
  receivedAt: number
  /** Called once the batch holding this message committed (err undefined) or failed. */
  done: (err: Error | undefined, message: PendingMessage) => void
}

interface Row {
  seq: number
  sender: string
  kind: string
  txn: string
  text: string | null
  reply_to: number | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
}

const COLUMNS = `m.seq, u.name AS sender, u.kind, m.txn, m.text, m.reply_to, m.created_at, m.edited_at, m.deleted_at`

export const toView = (room: string, r: Row): MessageView => {
  const view: MessageView = { room, seq: r.seq, from: r.sender, text: r.text, ts: r.created_at }
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
  /** Messages in the queue by `${roomId}:${senderId}:${txn}`, so a retry in the same turn is not stored twice. */
  private readonly inQueue = new Map<string, PendingMessage>()
  onBatch: ((size: number) => void) | undefined

  constructor(db: Db) {
    this.sqlite = db.$client
    const s = this.sqlite
    this.insertStmt = s.prepare(
      'INSERT INTO messages (room_id, seq, sender_id, txn, text, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    this.commitBatch = s.transaction((batch: PendingMessage[]) => {
      for (const m of batch) {
        this.insertStmt.run(m.room.id, m.seq, m.senderId, m.txn, m.text, m.replyTo ?? null, m.ts)
      }
    })
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
    this.editStmt = s.prepare('UPDATE messages SET text = ?, edited_at = ? WHERE room_id = ? AND seq = ?')
    this.deleteStmt = s.prepare(
      'UPDATE messages SET text = NULL, deleted_at = ?, deleted_by = ? WHERE room_id = ? AND seq = ?',
    )
  }

  /** The highest committed sequence number of a room. */
  maxSeq(roomId: number): number {
    return this.maxSeqStmt.get(roomId)?.seq ?? 0
  }

  /** A send already stored (or queued) under this txn: its seq, so a retry is acked again, not stored again. */
  duplicateOf(room: RoomState, senderId: number, txn: string): PendingMessage | { seq: number } | undefined {
    return this.inQueue.get(`${room.id}:${senderId}:${txn}`) ?? this.findTxnStmt.get(room.id, senderId, txn)
  }

  /** Assign the next sequence number and queue the insert; the commit happens at the end of this turn. */
  append(message: Omit<PendingMessage, 'seq'>): PendingMessage {
    const pending = message as PendingMessage
    pending.seq = ++message.room.lastSeq
    this.queue.push(pending)
    this.inQueue.set(`${pending.room.id}:${pending.senderId}:${pending.txn}`, pending)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
    return pending
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
    this.inQueue.clear()
    let failure: Error | undefined
    try {
      this.commitBatch(batch)
    } catch (err) {
      failure = err as Error
      // Nothing of the batch was stored: hand the sequence numbers out again.
      for (const m of batch) m.room.lastSeq = m.room.committedSeq
    }
    this.onBatch?.(batch.length)
    for (const m of batch) {
      if (!failure && m.seq > m.room.committedSeq) m.room.committedSeq = m.seq
      m.done(failure, m)
    }
  }

  /** Messages after `seq`, oldest first (resume replay). */
  after(room: RoomState, seq: number, limit: number): MessageView[] {
    return this.afterStmt.all(room.id, seq, limit).map((r) => toView(room.name, r))
  }

  /** A page of history before `before` (or the newest), returned oldest first. */
  page(room: RoomState, before: number | undefined, limit: number): { messages: MessageView[]; more: boolean } {
    const rows =
      before === undefined ? this.latestStmt.all(room.id, limit + 1) : this.beforeStmt.all(room.id, before, limit + 1)
    const more = rows.length > limit
    const page = rows.slice(0, limit).reverse()
    return { messages: page.map((r) => toView(room.name, r)), more }
  }

  one(room: RoomState, seq: number): (MessageView & { senderId: number }) | undefined {
    const row = this.oneStmt.get(room.id, seq)
    return row ? { ...toView(room.name, row), senderId: row.sender_id } : undefined
  }

  edit(room: RoomState, seq: number, text: string, at: number): void {
    this.editStmt.run(text, at, room.id, seq)
  }

  remove(room: RoomState, seq: number, by: number, at: number): void {
    this.deleteStmt.run(at, by, room.id, seq)
  }
}
