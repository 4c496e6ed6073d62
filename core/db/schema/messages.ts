// Messages: a gap-free sequence per room; (room, sender, txn) makes client retries idempotent.
// Triggers on this table keep the full-text index (drizzle/0012_search.sql): a migration that
// rebuilds the table (new table, copy, drop, rename) drops them and must create them again.
import { sql } from '#drizzle'
import { blob, index, integer, sqliteTable, text, uniqueIndex } from '#drizzle'
import { rooms } from './rooms.ts'
import { users } from './users.ts'

export const messages = sqliteTable(
  'messages',
  {
    // A plain rowid, not AUTOINCREMENT: that would update sqlite_sequence (one more page) in every
    // commit. Ids of deleted rows may come back; nothing refers to a message id but its own rows.
    id: integer('id').primaryKey(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    senderId: integer('sender_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Client-chosen transaction id: the same send retried is stored once. */
    txn: text('txn').notNull(),
    /** A bridged remote sender's name, `name@network`; the sender is then the bridge's account. */
    senderAlias: text('sender_alias'),
    /** null once deleted. */
    text: text('text'),
    replyTo: integer('reply_to'),
    /** The seq of the thread's root for a reply (a reply to a reply joins its thread); null otherwise. */
    threadRoot: integer('thread_root'),
    createdAt: integer('created_at').notNull(), // ms since epoch
    editedAt: integer('edited_at'),
    deletedAt: integer('deleted_at'),
    deletedBy: integer('deleted_by'),
    /**
     * The room's change counter at this message's last edit or delete (null while untouched): a
     * client resuming with the last `rev` it saw gets the edits and deletes it missed.
     */
    rev: integer('rev'),
    /** The room's change counter at this message's last reaction change (null: never reacted to). */
    reactionsRev: integer('reactions_rev'),
    /** In an E2E room: the MLS message (text stays null); null once deleted. Never indexed for search. */
    mls: blob('mls', { mode: 'buffer' }),
    /** The sending device (MLS messages only). */
    mlsDevice: text('mls_device'),
    mlsEpoch: integer('mls_epoch'),
    /** 'application', 'proposal' or 'commit': what the hub can see of it. */
    mlsKind: text('mls_kind', { enum: ['application', 'proposal', 'commit'] }),
    /** A Commit: JSON `{ "added": [...], "removed": [...] }` (user names), as the sender declared them. */
    mlsUsers: text('mls_users'),
  },
  (t) => [
    uniqueIndex('messages_room_seq_unique').on(t.roomId, t.seq),
    uniqueIndex('messages_room_sender_txn_unique').on(t.roomId, t.senderId, t.txn),
    // Partial: a new message adds no entry (and no page write to its commit); only changes do.
    index('messages_room_rev_idx').on(t.roomId, t.rev).where(sql`rev IS NOT NULL`),
    // Partial too: only replies have an entry (a thread's replies, its reply count).
    index('messages_room_thread_idx').on(t.roomId, t.threadRoot, t.seq).where(sql`thread_root IS NOT NULL`),
  ],
)
