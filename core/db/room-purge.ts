// Deleting a room with its whole history without holding the write lock for seconds (one
// transaction over a million messages stalls every client of a running hub, which waits for the
// lock with its event loop blocked).
//
// 1. markRoomDeleted, one short transaction: the room is renamed to a tombstone ("~deleting-<id>",
//    a name no client can type), made private and emptied of members, invites and bans, and the
//    change feed tells running hubs to drop it. From then on nobody sees or reaches it.
// 2. purgeDeletedRooms: the rows that reference a tombstone (messages, attachments, any plugin
//    table with ON DELETE CASCADE) go in batches, each its own short write transaction of about
//    10 ms with a pause after each so that waiting writers get the lock (paced-batches.ts); the
//    room's own row goes last.
// Every reference stays valid at every commit, so a crash in between leaves a consistent database
// with a tombstone, which the next purge finishes (`chathub serve` at start, `chathub room delete`).
import { eq, inArray } from '#drizzle'
import { coreErrors } from '#core/errors'
import { type Db, type Sqlite, writeTransaction } from './client.ts'
import { pacedBatches } from './paced-batches.ts'
import { changeFeed } from './schema/changes.ts'
import { type RoomKind, roomBans, roomInvites, roomMembers, rooms } from './schema/rooms.ts'
import { users } from './schema/users.ts'

export const TOMBSTONE_PREFIX = '~deleting-'

export interface MarkedRoom {
  id: number
  name: string
  kind: RoomKind
  /** Who were members (a direct conversation's two participants, for the CLI's message). */
  members: string[]
}

/** Step 1: make the room disappear at once, in one short write transaction. */
export const markRoomDeleted = (db: Db, name: string): MarkedRoom =>
  writeTransaction(db, (tx) => {
    const room = tx.select().from(rooms).where(eq(rooms.name, name)).get()
    if (!room) throw coreErrors.roomNotFound(name)
    const members = tx
      .select({ name: users.name })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(eq(roomMembers.roomId, room.id))
      .orderBy(users.name)
      .all()
      .map((m) => m.name)
    tx.update(rooms)
      .set({ name: `${TOMBSTONE_PREFIX}${room.id}`, isPrivate: true })
      .where(eq(rooms.id, room.id))
      .run()
    for (const table of [roomMembers, roomInvites, roomBans])
      tx.delete(table).where(eq(table.roomId, room.id)).run()
    tx.insert(changeFeed).values({ kind: 'room.deleted', roomId: room.id }).run()
    return { id: room.id, name: room.name, kind: room.kind, members }
  })

export interface PendingDeletion {
  room: string
  id: number
  /** Messages still to delete. */
  messages: number
}

/** Tombstones whose rows are not all deleted yet (a purge running now, or one cut short). */
export const pendingDeletions = (sqlite: Sqlite): PendingDeletion[] =>
  sqlite
    .prepare<[string], PendingDeletion>(
      `SELECT r.name AS room, r.id, (SELECT count(*) FROM messages m WHERE m.room_id = r.id) AS messages
         FROM rooms r WHERE r.name GLOB ? ORDER BY r.id`,
    )
    .all(`${TOMBSTONE_PREFIX}*`)

export interface PurgeOptions {
  /** Stop between batches (the hub is closing); what is left is finished by the next purge. */
  signal?: AbortSignal
  /** After each committed batch (tests and progress output). */
  onBatch?: (batch: { room: number; table: string; rows: number; ms: number }) => void
}

export interface PurgeReport {
  rooms: number
  rows: number
  /** Write transactions committed. */
  batches: number
}

/** Step 2: delete every tombstone's rows in short batches, then the tombstone. */
export const purgeDeletedRooms = async (
  db: Db,
  options: PurgeOptions = {},
): Promise<PurgeReport> => {
  const sqlite = db.$client
  const report: PurgeReport = { rooms: 0, rows: 0, batches: 0 }
  const children = cascadingChildren(sqlite)
  for (const { id } of pendingDeletions(sqlite)) {
    for (const child of children) {
      const del = sqlite.prepare<[number, number]>(
        `DELETE FROM "${child.table}" WHERE rowid IN (SELECT rowid FROM "${child.table}" WHERE "${child.column}" = ? LIMIT ?)`,
      )
      const finished = await pacedBatches(
        db,
        (limit) => {
          const { changes } = del.run(id, limit)
          return { rows: changes, done: changes === 0 }
        },
        {
          signal: options.signal,
          onBatch: (rows, ms) => {
            report.rows += rows
            report.batches++
            options.onBatch?.({ room: id, table: child.table, rows, ms })
          },
        },
      )
      if (!finished) return report
    }
    if (options.signal?.aborted) return report
    // Nothing references it any more, so this cascades to nothing (SET NULL references are set).
    writeTransaction(db, (tx) =>
      tx
        .delete(rooms)
        .where(inArray(rooms.id, [id]))
        .run(),
    )
    report.batches++
    report.rooms++
  }
  return report
}

/**
 * The tables whose rows are deleted with a room (ON DELETE CASCADE on rooms.id), found in the
 * schema so that plugin tables are included; messages first (by far the most rows). Tables
 * WITHOUT ROWID are left to the final delete's cascade.
 */
const cascadingChildren = (sqlite: Sqlite): { table: string; column: string }[] =>
  sqlite
    .prepare<[], { table: string; column: string }>(
      `SELECT t.name AS "table", f."from" AS "column"
         FROM pragma_table_list t, pragma_foreign_key_list(t.name) f
        WHERE t.schema = 'main' AND t.type = 'table' AND t.wr = 0
          AND f."table" = 'rooms' AND f.on_delete = 'CASCADE'
        ORDER BY t.name <> 'messages', t.name`,
    )
    .all()
