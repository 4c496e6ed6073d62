// Real databases for the damage tests: a data directory whose chathub.db holds a room with many
// messages, then garbage written over a page of one of its indexes, or over the file's header.
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { issueSession } from '#core/auth/session-store'
import { DB_FILE, openDb } from '#core/db/client'
import { insertUser } from '#core/users/queries'

export interface SeededDataDir {
  dataDir: string
  file: string
  /** A session token of alice, the owner of room "big". */
  token: string
}

/** A closed database with alice, room "big" (alice its owner) and `messages` messages in it. */
export const seededDataDir = (dataDir: string, messages = 3000): SeededDataDir => {
  const file = join(dataDir, DB_FILE)
  const db = openDb(file)
  const alice = insertUser(db, { name: 'alice', passwordHash: null })
  const token = issueSession(db, alice.id, { ttlMs: 3600_000 }).token
  const s = db.$client
  const roomId = s
    .prepare(
      "INSERT INTO rooms (name, is_private, topic, kind, created_at) VALUES ('big', 0, '', 'room', 0)",
    )
    .run().lastInsertRowid
  s.prepare(
    "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, 'owner', 0)",
  ).run(roomId, alice.id)
  s.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at)
     SELECT ?, i, ?, 'seed-' || i, 'message ' || i, 0 FROM n`,
  ).run(messages, roomId, alice.id)
  s.close() // the last connection checkpoints: every page is in chathub.db
  return { dataDir, file, token }
}

/** Overwrite page `page` (1-based) of a closed database file with garbage. */
export const garblePage = (file: string, page: number, pageSize: number): void => {
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize)
  } finally {
    closeSync(fd)
  }
}

/** The root page of an index and the page size, read from the schema of a closed database file. */
export const indexRootPage = (file: string, index: string): { page: number; pageSize: number } => {
  const db = openDb(file)
  try {
    const found = db.$client
      .prepare<[string], { rootpage: number }>(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = ?",
      )
      .get(index)
    if (!found) throw new Error(`no index ${index}`)
    return {
      page: found.rootpage,
      pageSize: Number(db.$client.pragma('page_size', { simple: true })),
    }
  } finally {
    db.$client.close()
  }
}
