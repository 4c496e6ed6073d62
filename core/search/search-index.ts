// The full-text index of message text (FTS5, drizzle/0012_search.sql) and its two jobs: adding new
// messages in batches, and finding the messages that match a query, newest first.
//
// Why new messages are added in batches and not in the commit that stores them: FTS5 writes a new
// segment (and updates its structure record) at every commit that changed it, which doubles the
// median one-message commit, and every 64 leaf pages it merges segments inside the commit (a stall
// of milliseconds), which triples the mean. In batches a message costs about 11 µs once, off its
// commit. Nothing is lost by it: every search first indexes what is left (catchUp), so it sees every
// committed message; and edits and deletes change the index inside their own transaction
// (triggers), so deleted and edited text leaves the index at once. bench/search.ts measures both
// ways (docs/performance.md, "Search").
import type { Db, Sqlite } from '#core/db/client'
import { searchErrors } from './errors.ts'

/** Messages indexed per write transaction (a few milliseconds of work). */
export const BATCH_ROWS = 2000
/** Rooms above which the room filter is left to SQL (an OR of many room tokens costs more than it saves). */
const ROOMS_IN_INDEX = 16
/** Words of context in a snippet, around the match. */
const SNIPPET_TOKENS = 16
/** snippet() marks: Unicode noncharacters, which no text is meant to carry. */
export const MARK_OPEN = '\uFDD0'
export const MARK_CLOSE = '\uFDD1'

export interface FindOptions {
  /** An FTS5 expression from parseQuery (on the `text` column). */
  match: string
  /** Ids of the rooms to look in (never empty). */
  rooms: readonly number[]
  /** Only messages whose id is below this (the page cursor). */
  below: number
  /** created_at >= after and < before (ms since the epoch). */
  after: number
  before: number
  /** A local account: its own messages (not those it relayed for a bridged sender). */
  senderId?: number
  /** A bridged sender, `name@network`. */
  alias?: string
  limit: number
}

export interface IndexHit {
  id: number
  roomId: number
  seq: number
  /** The text around the match, matched words between MARK_OPEN and MARK_CLOSE. */
  snippet: string
}

interface FindParams {
  match: string
  rooms: string
  below: number
  after: number
  before: number
  sender: number | null
  alias: string | null
  take: number
  open: string
  close: string
  tokens: number
}

export class SearchIndex {
  private readonly sqlite: Sqlite
  private readonly pendingStmt
  private readonly batch
  private readonly findStmt

  constructor(db: Db) {
    this.sqlite = db.$client
    const s = this.sqlite
    this.pendingStmt = s.prepare<[], { pending: number }>(
      `SELECT coalesce((SELECT max(id) FROM messages), 0) > (SELECT indexed_to FROM messages_search_state) AS pending`,
    )
    const stateStmt = s.prepare<[], { indexed_to: number }>(
      'SELECT indexed_to FROM messages_search_state',
    )
    const endStmt = s.prepare<[number, number], { to: number | null }>(
      'SELECT max(id) AS "to" FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)',
    )
    const addStmt = s.prepare<[number, number]>(
      `INSERT INTO messages_search (rowid, text, room_id)
       SELECT id, text, room_id FROM messages WHERE id > ? AND id <= ?`,
    )
    const markStmt = s.prepare<[number]>('UPDATE messages_search_state SET indexed_to = ?')
    // BEGIN IMMEDIATE: the state is read and moved under the write lock (another process may write).
    this.batch = s.transaction((rows: number): number => {
      const from = stateStmt.get()?.indexed_to ?? 0
      const to = endStmt.get(from, rows)?.to ?? null
      if (to === null) return 0
      addStmt.run(from, to)
      markStmt.run(to)
      return to - from
    }).immediate
    this.findStmt = s.prepare<[FindParams], IndexHit>(
      `SELECT m.id AS id, m.room_id AS roomId, m.seq AS seq,
              snippet(messages_search, 0, :open, :close, '…', :tokens) AS snippet
         FROM messages_search JOIN messages m ON m.id = messages_search.rowid
        WHERE messages_search MATCH :match AND messages_search.rowid < :below
          AND m.room_id IN (SELECT value FROM json_each(:rooms))
          AND m.deleted_at IS NULL
          AND m.created_at >= :after AND m.created_at < :before
          AND (:sender IS NULL OR (m.sender_id = :sender AND m.sender_alias IS NULL))
          AND (:alias IS NULL OR m.sender_alias = :alias)
        ORDER BY messages_search.rowid DESC
        LIMIT :take`,
    )
  }

  /** Whether messages are stored that the index does not hold yet. */
  pending(): boolean {
    return this.pendingStmt.get()?.pending === 1
  }

  /** Index up to `rows` more messages in one write transaction; 0 when none was left. */
  indexBatch(rows = BATCH_ROWS): number {
    return this.batch(rows)
  }

  /** Index every message stored so far (a search calls it before it reads the index). */
  catchUp(): void {
    while (this.pending() && this.indexBatch() > 0);
  }

  /**
   * Messages matching, newest first. The rooms are also checked in SQL, so a hit is always in one of
   * them whatever the index holds; a few rooms are narrowed in the index itself.
   */
  find(o: FindOptions): IndexHit[] {
    const inIndex =
      o.rooms.length <= ROOMS_IN_INDEX
        ? ` AND room_id : (${o.rooms.map((id) => `"${id}"`).join(' OR ')})`
        : ''
    try {
      return this.findStmt.all({
        match: `(${o.match})${inIndex}`,
        rooms: JSON.stringify(o.rooms),
        below: o.below,
        after: o.after,
        before: o.before,
        sender: o.senderId ?? null,
        alias: o.alias ?? null,
        take: o.limit,
        open: MARK_OPEN,
        close: MARK_CLOSE,
        tokens: SNIPPET_TOKENS,
      })
    } catch (err) {
      // parseQuery quotes everything, so this is a safety net: FTS5 refusing a query (SQLITE_ERROR:
      // "fts5: syntax error…", "unterminated string") is the query being unusable, not a failed hub.
      if ((err as { code?: unknown }).code === 'SQLITE_ERROR')
        throw searchErrors.queryInvalid('the index refused it')
      throw err
    }
  }
}
