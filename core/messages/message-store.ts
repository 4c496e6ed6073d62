// The message store: a pure store of the message log (no connections, no delivery). It commits a
// batch of writes (messages, edits, deletes, reactions) in one transaction and reads history pages, resume
// replays and change lists. Sequence numbers and change counters are handed out inside the commit,
// so a retried send (same txn, ignored by the unique index) never leaves a gap and costs no lookup
// unless it really is a retry. core/messages/pipeline.ts batches the writes; delivery.ts delivers.
import { AttachmentLinks } from '#core/attachments/queries'
import type { Db, Sqlite } from '#core/db/client'
import { MlsRows, type MlsWrite } from '#core/e2e/store-rows'
import type { AttachmentView, EventFrame, MessageView, MlsView } from '#core/protocol/messages'
import { type ReactionRefusal, ReactionRows } from '#core/reactions/reactions'
import { ThreadFollows } from '#core/threads/thread-follows'
import { MentionRows, type MentionTarget, type Mentions } from './mentions.ts'
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
  /** With `replyTo`: the root of the thread it joins (set by the writer from the message it answers). */
  threadRoot?: number
  /** A reply, once stored: the thread's followers to notify (its author left out). */
  threadFollowers?: number[]
  /** Checked by the caller (uploaded by the sender to this room); linked in the same commit. */
  attachments?: AttachmentView[]
  /** Resolved by the writer (core/messages/mentions.ts); their rows go in with the message. */
  mentions?: Mentions
  /** An MLS message in an E2E room (core/e2e): stored with `text` NULL; `text` is then ''. */
  mls?: MlsWrite
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
  /** Resolved from the new text: its rows replace the message's. */
  mentions?: Mentions
  /** The message's sender as it shows (for the `mention` events of new mentions). */
  from?: string
  /** Set by the store: who the edit mentions that the message did not before (they are told). */
  mentioned?: MentionTarget[]
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

/**
 * A reaction added or removed. `applied` is false when nothing changed (already there, or not) or
 * when `refused` says why not (the message was deleted, or a limit).
 */
export interface ReactionWrite {
  kind: 'reaction'
  room: RoomState
  seq: number
  userId: number
  user: string
  emoji: string
  add: boolean
  at: number
  rev: number
  applied: boolean
  refused?: ReactionRefusal
}

/** One change to the log. Every write of an event-loop turn commits in one transaction. */
export type LogWrite = MessageWrite | EditWrite | DeleteWrite | ReactionWrite

interface Row {
  id: number
  seq: number
  sender: string
  alias: string | null
  kind: string
  txn: string
  text: string | null
  reply_to: number | null
  thread_root: number | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
  mls: Buffer | null
  mls_device: string | null
  mls_epoch: number | null
  mls_kind: MlsView['kind'] | null
  mls_users: string | null
}

interface ChangeRow {
  id: number
  seq: number
  reactions_rev: number | null
  text: string | null
  edited_at: number | null
  deleted_at: number | null
  deleted_by: string | null
  rev: number
}

type ChangeEvent = Extract<EventFrame, { type: 'edited' | 'deleted' | 'reactions' }>

/** A thread root's replies, as history shows them. */
interface RepliesRow {
  thread_root: number
  count: number
  last: number
  last_ts: number
}

const COLUMNS = `m.id, m.seq, u.name AS sender, m.sender_alias AS alias, u.kind, m.txn, m.text, m.reply_to, m.thread_root, m.created_at, m.edited_at, m.deleted_at, m.mls, m.mls_device, m.mls_epoch, m.mls_kind, m.mls_users`

export const toView = (room: string, r: Row): MessageView => {
  const view: MessageView = { room, seq: r.seq, from: r.alias ?? r.sender, text: r.text, ts: r.created_at }
  if (r.alias !== null) view.via = r.sender
  view.txn = r.txn
  if (r.reply_to !== null) view.replyTo = r.reply_to
  if (r.thread_root !== null) view.thread = r.thread_root
  if (r.edited_at !== null) view.editedAt = r.edited_at
  if (r.deleted_at !== null) view.deletedAt = r.deleted_at
  if (r.kind !== 'person') view.bot = true
  if (r.mls !== null) view.mls = mlsView(r, r.mls)
  return view
}

/** The MLS message of a row of an E2E room (a deleted one has none left). */
const mlsView = (r: Row, data: Buffer): MlsView => {
  const view: MlsView = { data: data.toString('base64'), device: r.mls_device ?? '', epoch: r.mls_epoch ?? 0, kind: r.mls_kind ?? 'application' }
  if (r.mls_users === null) return view
  const users = JSON.parse(r.mls_users) as { added?: string[]; removed?: string[] }
  if (users.added?.length) view.added = users.added
  if (users.removed?.length) view.removed = users.removed
  return view
}

/**
 * A message whose insert is one statement. With attachments, mentions or a thread (its followers) it
 * writes other rows too, so it takes the transaction like a batch.
 */
const oneStatement = (m: MessageWrite): boolean => !m.attachments && !m.mentions && m.threadRoot === undefined && !m.mls

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
  private readonly mentions: MentionRows
  private readonly reactions: ReactionRows
  readonly threads: ThreadFollows
  private readonly idStmt
  private readonly touchStmt
  private readonly unreactStmt
  private readonly repliesStmt
  private readonly threadBeforeStmt
  private readonly mlsRows: MlsRows

  constructor(db: Db) {
    this.sqlite = db.$client
    const s = this.sqlite
    this.links = new AttachmentLinks(s)
    this.mentions = new MentionRows(s)
    this.reactions = new ReactionRows(s)
    this.threads = new ThreadFollows(s)
    this.mlsRows = new MlsRows(s)
    this.insertStmt = s.prepare(
      'INSERT INTO messages (room_id, seq, sender_id, sender_alias, txn, text, reply_to, thread_root, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, sender_id, txn) DO NOTHING',
    )
    this.idStmt = s.prepare<[number, number], { id: number }>(
      'SELECT id FROM messages WHERE room_id = ? AND seq = ? AND deleted_at IS NULL',
    )
    this.touchStmt = s.prepare('UPDATE messages SET rev = @rev, reactions_rev = @rev WHERE id = @id')
    this.unreactStmt = s.prepare(
      'DELETE FROM reactions WHERE message_id = (SELECT id FROM messages WHERE room_id = ? AND seq = ?)',
    )
    this.repliesStmt = s.prepare<[number, string], RepliesRow>(
      // SQLite: with a lone max(), the bare column comes from the row holding the maximum.
      `SELECT thread_root, count(*) AS count, max(seq) AS last, created_at AS last_ts FROM messages
       WHERE room_id = ? AND thread_root IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
       GROUP BY thread_root`,
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
    this.threadBeforeStmt = s.prepare<[number, number, number, number], Row>(
      `SELECT ${COLUMNS} ${from} WHERE m.room_id = ? AND m.thread_root = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
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
      `SELECT m.id, m.seq, m.reactions_rev, m.text, m.edited_at, m.deleted_at, m.rev, d.name AS deleted_by ${from}
       LEFT JOIN users d ON d.id = m.deleted_by
       WHERE m.room_id = ? AND m.rev IS NOT NULL AND m.rev > ? AND m.seq <= ? ORDER BY m.rev ASC LIMIT ?`,
    )
  }

  /** Apply one write inside the commit, setting what it got (seq, rev, whether it applied). */
  private write(w: LogWrite): void {
    if (w.kind === 'message') return this.insert(w)
    if (w.kind === 'reaction') return this.react(w)
    const rev = this.rev(w.room) + 1
    const { changes } =
      w.kind === 'edit'
        ? this.editStmt.run(w.text, w.at, rev, w.room.id, w.seq)
        : this.deleteStmt.run(w.at, w.byId, rev, w.room.id, w.seq)
    w.applied = changes === 1
    if (!w.applied) return
    w.rev = w.room.rev = rev
    // A deleted message keeps no trace of who reacted to it.
    if (w.kind === 'delete') this.unreactStmt.run(w.room.id, w.seq)
    if (!w.applied) return
    // A deleted message mentions nobody (its row stays, so no cascade); an edited one whom its new text names.
    if (w.kind === 'delete') this.mentions.removeAll(w.room.id, w.seq)
    else w.mentioned = this.mentions.replace(w.room.id, w.seq, w.mentions?.users ?? [])
  }

  /** Add or remove a reaction; a change moves the message to the room's next rev (catch-up sees it). */
  private react(w: ReactionWrite): void {
    const id = this.idStmt.get(w.room.id, w.seq)?.id
    const changed = id === undefined ? 'not_found' : this.reactions.change(id, w.userId, w.emoji, w.add, w.at)
    if (typeof changed === 'string') {
      w.refused = changed
      return
    }
    w.applied = changed
    if (!changed || id === undefined) return
    const rev = this.rev(w.room) + 1
    this.touchStmt.run({ rev, id })
    w.rev = w.room.rev = rev
  }

  /** Insert one message (or find the stored one, for a retry) and set its seq. */
  private insert(m: MessageWrite): void {
    if (m.mls) return this.insertMls(m, m.mls)
    const seq = m.room.seq + 1
    const { changes, lastInsertRowid } = this.insertStmt.run(
      m.room.id,
      seq,
      m.senderId,
      m.alias ?? null,
      m.txn,
      m.text,
      m.replyTo ?? null,
      m.threadRoot ?? null,
      m.ts,
    )
    if (changes === 1) {
      m.seq = m.room.seq = seq
      m.duplicate = false
      if (m.attachments) this.links.link(Number(lastInsertRowid), m.attachments)
      if (m.threadRoot !== undefined) m.threadFollowers = this.threads.replied(m.room.id, m.threadRoot, m.senderId)
      if (m.mentions) this.mentions.insert(Number(lastInsertRowid), m.room.id, seq, m.mentions.users)
    } else {
      m.seq = this.findTxnStmt.get(m.room.id, m.senderId, m.txn)?.seq ?? 0
      m.duplicate = true
    }
  }

  /** An MLS message with what it changes in the same commit (core/e2e/store-rows.ts). */
  private insertMls(m: MessageWrite, mls: MlsWrite): void {
    const seq = m.room.seq + 1
    const id = this.mlsRows.insert(m.room.id, seq, m.senderId, m.txn, m.ts, mls)
    if (id === undefined) {
      m.seq = this.findTxnStmt.get(m.room.id, m.senderId, m.txn)?.seq ?? 0
      m.duplicate = true
      return
    }
    m.seq = m.room.seq = seq
    m.duplicate = false
    // Encrypted uploads: linked as a say's attachments are, so they live (and go) with the message.
    if (m.attachments) this.links.link(id, m.attachments)
    this.mlsRows.stored(m.room.id, seq, m.ts, mls)
    if (mls.deletes === undefined) return
    const rev = this.rev(m.room) + 1
    if (!this.mlsRows.drop(m.room.id, mls.deletes, m.senderId, m.ts, rev)) return
    m.room.rev = rev
    mls.deleted = { rev, at: m.ts }
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
      // A lone plain message is one statement, which SQLite commits by itself: no BEGIN or COMMIT.
      const only = batch.length === 1 ? batch[0] : undefined
      if (only?.kind === 'message' && oneStatement(only)) this.insert(only)
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

  /**
   * Rows to views, with the attachments and reactions of messages that are not deleted, and each
   * thread root's replies (one query each per page).
   */
  private views(room: RoomState, rows: Row[]): MessageView[] {
    const live = rows.filter((r) => r.deleted_at === null).map((r) => r.id)
    const files = this.links.forMessages(live)
    const reactions = this.reactions.forMessages(live)
    const replies = new Map<number, RepliesRow>()
    const roots = rows.filter((r) => r.thread_root === null).map((r) => r.seq)
    if (roots.length > 0) for (const t of this.repliesStmt.all(room.id, JSON.stringify(roots))) replies.set(t.thread_root, t)
    return rows.map((r) => {
      const view = toView(room.name, r)
      const list = files.get(r.id)
      if (list) view.attachments = list
      const named = r.text !== null ? this.mentions.viewOf(r.id, room.id, r.seq, r.text) : undefined
      if (named) view.mentions = named
      const reacted = reactions.get(r.id)
      if (reacted) view.reactions = reacted
      const thread = replies.get(r.seq)
      if (thread) view.replies = { count: thread.count, last: thread.last, lastTs: thread.last_ts }
      return view
    })
  }

  /** A page of one thread before `before` (or its newest), oldest first; the root leads the first page. */
  threadPage(room: RoomState, root: number, before: number | undefined, limit: number): { messages: MessageView[]; more: boolean } {
    const rows = this.threadBeforeStmt.all(room.id, root, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
    const more = rows.length > limit
    const page = rows.slice(0, limit).reverse()
    if (!more && (before === undefined || before > root)) {
      const first = this.oneStmt.get(room.id, root)
      if (first) page.unshift(first)
    }
    return { messages: this.views(room, page), more }
  }

  /** The seq of the root of the thread a reply to `seq` joins, or undefined when there is no such message. */
  threadOf(room: RoomState, seq: number): number | undefined {
    const row = this.oneStmt.get(room.id, seq)
    return row ? (row.thread_root ?? row.seq) : undefined
  }

  /** The room's change counter (0 before its first edit or delete). */
  rev(room: RoomState): number {
    room.rev ??= this.maxRevStmt.get(room.id)?.rev ?? 0
    return room.rev
  }

  /**
   * The edits, deletes and reaction changes after `rev` of messages up to `seq` (later ones are
   * replayed whole), oldest change first, as the events a connected client would have received: a
   * deleted message as its `deleted`, any other as its `edited` (when it was ever edited) and, when
   * its reactions changed after `rev`, its `reactions` as they are now.
   */
  changesAfter(room: RoomState, rev: number, seq: number, limit: number): { events: ChangeEvent[]; more: boolean; rev: number } {
    const rows = this.changedStmt.all(room.id, rev, seq, limit + 1)
    const more = rows.length > limit
    if (more) rows.length = limit
    const reacted = (r: ChangeRow) => r.deleted_at === null && r.reactions_rev !== null && r.reactions_rev > rev
    const reactions = this.reactions.forMessages(rows.filter(reacted).map((r) => r.id))
    const events: ChangeEvent[] = []
    for (const r of rows) {
      if (r.deleted_at !== null) {
        events.push({ type: 'deleted', room: room.name, seq: r.seq, by: r.deleted_by ?? '', deletedAt: r.deleted_at, rev: r.rev })
        continue
      }
      if (r.edited_at !== null) {
        events.push({ type: 'edited', room: room.name, seq: r.seq, text: r.text ?? '', editedAt: r.edited_at, rev: r.rev })
      }
      if (reacted(r)) events.push({ type: 'reactions', room: room.name, seq: r.seq, reactions: reactions.get(r.id) ?? [], rev: r.rev })
    }
    return { events, more, rev: rows[rows.length - 1]?.rev ?? rev }
  }
}
