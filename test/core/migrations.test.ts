// Migrations on a database that already holds data: 0008 rebuilds `messages` (a plain rowid instead
// of AUTOINCREMENT). The rebuild drops the old table, which must not cascade into the attachments
// that reference its rows: openDb runs migrations with foreign keys off and checks them afterwards.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test } from 'vitest'
import { checkDatabase } from '#core/db/check-report'
import { openDb } from '#core/db/client'
import { databaseBefore } from '#test/helpers/old-database'

test('the messages rebuild keeps every message, its attachment links, and foreign keys on', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'chathub-db-')), 'chathub.db')
  const old = databaseBefore(file, '0008_messages_rowid')
  old.exec(`
    INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'alice', NULL, 0);
    INSERT INTO rooms (id, name, created_by, created_at) VALUES (1, 'general', 1, 0);
    INSERT INTO messages (id, room_id, seq, sender_id, txn, text, created_at) VALUES
      (1, 1, 1, 1, 't1', 'one', 0), (2, 1, 2, 1, 't2', 'two', 0);
    INSERT INTO attachments (id, room_id, uploader_id, sha256, size, mime, name, created_at)
      VALUES ('a1', 1, 1, 'ab', 3, 'image/png', 'cat.png', 0);
    INSERT INTO message_attachments (message_id, attachment_id, position) VALUES (2, 'a1', 0);
  `)
  expect(old.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").get()).toEqual({ seq: 2 })
  old.close()

  const db = openDb(file)
  const sqlite = db.$client
  expect(sqlite.prepare('SELECT id, seq, text FROM messages ORDER BY id').all()).toEqual([
    { id: 1, seq: 1, text: 'one' },
    { id: 2, seq: 2, text: 'two' },
  ])
  expect(sqlite.prepare('SELECT message_id, attachment_id FROM message_attachments').all()).toEqual([
    { message_id: 2, attachment_id: 'a1' },
  ])
  expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
  const schema = sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").get() as { sql: string }
  expect(schema.sql).not.toMatch(/AUTOINCREMENT/i)
  // New rows continue after the old ones, and deleting a room still cascades to its messages.
  const id = sqlite
    .prepare("INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at) VALUES (1, 3, 1, 't3', 'three', 0)")
    .run().lastInsertRowid
  expect(Number(id)).toBe(3)
  sqlite.prepare('DELETE FROM rooms WHERE id = 1').run()
  expect(sqlite.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 })
  expect(sqlite.prepare('SELECT count(*) AS n FROM message_attachments').get()).toEqual({ n: 0 })
  sqlite.close()
})

test('broken references are found by db check; opening does not scan for them unless a migration ran', () => {
  // The scan reads every row that has a reference (about a second per 3 M messages), so an open
  // runs it only after applying a migration; `chathub db check` looks for them at any time.
  const file = join(mkdtempSync(join(tmpdir(), 'chathub-db-')), 'chathub.db')
  openDb(file).$client.close()
  const raw = new Database(file)
  raw.pragma('foreign_keys = OFF')
  raw.exec("INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at) VALUES (42, 1, 42, 't', 'orphan', 0)")
  raw.close()
  openDb(file).$client.close()
  const report = checkDatabase(file, 'quick')
  expect(report.ok).toBe(false)
  expect(report.brokenReferences.map((b) => `${b.table} -> ${b.parent}`)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^messages -> (rooms|users)$/)]),
  )
})

test('0011 puts the replies of an older database into threads (a reply to a reply joins its root) and marks rooms read', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'chathub-db-')), 'chathub.db')
  const old = databaseBefore(file, '0011_everyday_chat')
  old.exec(`
    INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'alice', NULL, 0);
    INSERT INTO rooms (id, name, created_by, created_at) VALUES (1, 'general', 1, 0), (2, 'ops', 1, 0);
    INSERT INTO messages (room_id, seq, sender_id, txn, text, reply_to, created_at) VALUES
      (1, 1, 1, 't1', 'root', NULL, 0), (1, 2, 1, 't2', 'reply', 1, 0), (1, 3, 1, 't3', 'reply to reply', 2, 0),
      (1, 4, 1, 't4', 'plain', NULL, 0), (1, 5, 1, 't5', 'deep', 3, 0), (2, 1, 1, 't6', 'other root', NULL, 0),
      (2, 2, 1, 't7', 'other reply', 1, 0);
    INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, 1, 'owner', 0), (2, 1, 'member', 0);
  `)
  old.close()
  const sqlite = openDb(file).$client
  expect(sqlite.prepare('SELECT room_id, seq, thread_root FROM messages ORDER BY room_id, seq').all()).toEqual([
    { room_id: 1, seq: 1, thread_root: null },
    { room_id: 1, seq: 2, thread_root: 1 },
    { room_id: 1, seq: 3, thread_root: 1 },
    { room_id: 1, seq: 4, thread_root: null },
    { room_id: 1, seq: 5, thread_root: 1 },
    { room_id: 2, seq: 1, thread_root: null },
    { room_id: 2, seq: 2, thread_root: 1 },
  ])
  // Members start with their rooms read: no unread counts from before markers existed.
  expect(sqlite.prepare('SELECT user_id, room_id, seq FROM read_markers ORDER BY room_id').all()).toEqual([
    { user_id: 1, room_id: 1, seq: 5 },
    { user_id: 1, room_id: 2, seq: 2 },
  ])
  sqlite.close()
})
