// Read markers and unread counts on the database: each user's last-read seq per room (it only moves
// forward) and the counts after it, each one index range: messages (room_id, seq), mentions
// (user_id, room_id, seq). Prepared once per hub; better-sqlite3 is synchronous.
import type { Db, Sqlite } from '#core/db/client'
import { UNREAD_COUNT_MAX } from '#core/protocol/messages'
import { rooms } from '#core/db/schema/rooms'
import { eq } from '#drizzle'

/** Forward only: an older (or equal) seq changes nothing, and `changes` says whether it moved. */
const ADVANCE = `INSERT INTO read_markers (user_id, room_id, seq, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (user_id, room_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
  WHERE excluded.seq > read_markers.seq`

/**
 * The queries behind the markers and counts. Counts stop at UNREAD_COUNT_MAX: a count walks its index
 * range row by row (unread ones also look at each message's sender and deletion), so a user who never
 * read a room of a million messages costs the same as one a thousand behind.
 */
export class ReadQueries {
  private readonly markerStmt
  private readonly markersStmt
  private readonly advanceStmt
  private readonly unreadStmt
  private readonly mentionsStmt
  private readonly roomMarkersStmt

  constructor(sqlite: Sqlite) {
    this.markerStmt = sqlite.prepare<[number, number], { seq: number }>(
      'SELECT seq FROM read_markers WHERE user_id = ? AND room_id = ?',
    )
    this.markersStmt = sqlite.prepare<[number], { room_id: number; seq: number }>(
      'SELECT room_id, seq FROM read_markers WHERE user_id = ?',
    )
    this.advanceStmt = sqlite.prepare<[number, number, number, number]>(ADVANCE)
    this.unreadStmt = sqlite.prepare<[number, number, number, number], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE room_id = ? AND seq > ?
         AND sender_id <> ? AND deleted_at IS NULL LIMIT ?)`,
    )
    this.mentionsStmt = sqlite.prepare<[number, number, number, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM mentions WHERE user_id = ? AND room_id = ? AND seq > ? LIMIT ?)',
    )
    this.roomMarkersStmt = sqlite.prepare<[number], { name: string; seq: number }>(
      'SELECT u.name, r.seq FROM read_markers r JOIN users u ON u.id = r.user_id WHERE r.room_id = ?',
    )
  }

  /** The user's marker in the room (0: nothing read yet). */
  marker(userId: number, roomId: number): number {
    return this.markerStmt.get(userId, roomId)?.seq ?? 0
  }

  /** Every marker of the user: room id -> seq. */
  markers(userId: number): Map<number, number> {
    return new Map(this.markersStmt.all(userId).map((r) => [r.room_id, r.seq]))
  }

  /** Move the marker to `seq` if that is further; true when it moved. */
  advance(userId: number, roomId: number, seq: number, now: number): boolean {
    return this.advanceStmt.run(userId, roomId, seq, now).changes === 1
  }

  /** Messages after `after` not sent by the user and not deleted (at most UNREAD_COUNT_MAX). */
  unread(roomId: number, after: number, userId: number): number {
    return this.unreadStmt.get(roomId, after, userId, UNREAD_COUNT_MAX)?.n ?? 0
  }

  /** Mentions of the user after `after` (at most UNREAD_COUNT_MAX). */
  mentions(userId: number, roomId: number, after: number): number {
    return this.mentionsStmt.get(userId, roomId, after, UNREAD_COUNT_MAX)?.n ?? 0
  }

  /** Everyone's marker in the room, by user name (read receipts). */
  roomMarkers(roomId: number): Map<string, number> {
    return new Map(this.roomMarkersStmt.all(roomId).map((r) => [r.name, r.seq]))
  }
}

/** Turn a room's read receipts on or off (the room setting, for owners, moderators and admins). */
export const setReadReceipts = (db: Db, roomId: number, enabled: boolean): void => {
  db.update(rooms).set({ readReceipts: enabled }).where(eq(rooms.id, roomId)).run()
}

/**
 * A newcomer starts with everything before their join read (a room's history is not news to them);
 * someone who comes back keeps a marker that is further. `seq`: the room's newest, read if not given.
 */
export const startReading = (
  db: Db,
  userId: number,
  roomId: number,
  seq: number = newestSeq(db, roomId),
): void => {
  if (seq === 0) return
  db.$client.prepare(ADVANCE).run(userId, roomId, seq, Date.now())
}

const newestSeq = (db: Db, roomId: number): number =>
  db.$client
    .prepare<[number], { seq: number | null }>(
      'SELECT max(seq) AS seq FROM messages WHERE room_id = ?',
    )
    .get(roomId)?.seq ?? 0
