// Bridge tables (prefixed `bridge_`), shared by every bridge plugin through core/bridges/runner.ts:
// links added at run time, each link's status and hub cursor, the remote-id ledger and the outbound queue.
import {
  index,
  integer,
  primaryKey,
  sqliteTableCreator,
  text,
  uniqueIndex,
} from '#drizzle'

const table = sqliteTableCreator((name) => `bridge_${name}`)

/**
 * Links added or removed at run time (`chathub bridge link/unlink`). Links from the config file are
 * not stored; `removed` rows hide them until linked again.
 */
export const bridgeLinks = table(
  'links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    room: text('room').notNull(),
    /** `<network>:<address>`, e.g. `irc:local/#chathub` or `webhook:https://example.org/hook`. */
    target: text('target').notNull(),
    state: text('state', { enum: ['active', 'removed'] }).notNull(),
    updatedAt: integer('updated_at').notNull(), // ms since epoch
  },
  (t) => [uniqueIndex('bridge_links_room_target_unique').on(t.room, t.target)],
)
export type BridgeLinkRow = typeof bridgeLinks.$inferSelect

/** What the running hub last said about each link (read by `chathub bridge list`), and its hub cursor. */
export const bridgeLinkStatus = table('link_status', {
  /** Short stable id of the link: hash of room and target (used in txns and the ledger). */
  link: text('link').primaryKey(),
  room: text('room').notNull(),
  target: text('target').notNull(),
  state: text('state', { enum: ['connecting', 'connected', 'down', 'stopped'] }).notNull(),
  lastError: text('last_error'),
  queueLength: integer('queue_length').notNull().default(0),
  /** Outbound items dropped because the queue was full, since the link was created. */
  dropped: integer('dropped').notNull().default(0),
  /** Highest hub sequence number of the room already taken into the outbound queue. */
  hubSeq: integer('hub_seq').notNull().default(0),
  /**
   * The room's change counter (`rev`) up to which edits and deletes were handled: a link whose hub
   * side reconnects asks for the changes after it, so a delete made meanwhile still reaches the queue.
   */
  hubRev: integer('hub_rev').notNull().default(0),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * Remote id <-> hub message, per (network, link, remote id). `sender` is the remote sender the id
 * belongs to: an edit or delete coming from the remote side must come from the same sender. Ids
 * only, never text (the hub's message store holds that); a hub delete removes the message's rows.
 */
export const bridgeLedger = table(
  'ledger',
  {
    network: text('network').notNull(),
    link: text('link').notNull(),
    remoteId: text('remote_id').notNull(),
    sender: text('sender').notNull(),
    room: text('room').notNull(),
    seq: integer('seq').notNull(),
    /** 'in': remote -> hub; 'out': hub -> remote. */
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.network, t.link, t.remoteId] }),
    index('bridge_ledger_link_seq').on(t.link, t.room, t.seq),
    index('bridge_ledger_link_sender').on(t.link, t.sender, t.createdAt),
  ],
)

/**
 * Outbound items (hub -> remote) not yet delivered, in order; bounded per link. A hub delete removes
 * the items of that message (they hold its text).
 */
export const bridgeQueue = table(
  'queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    link: text('link').notNull(),
    /** JSON of an OutboundItem. */
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('bridge_queue_link_id').on(t.link, t.id)],
)
