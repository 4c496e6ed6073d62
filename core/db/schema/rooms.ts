// Rooms, their members with roles, pending invites and bans. A room of kind 'direct' is a direct
// conversation: private, exactly its two participants as members, no owner (core/rooms/direct.ts).
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from '#drizzle'
import { users } from './users.ts'

export const ROOM_KINDS = ['room', 'direct'] as const
export type RoomKind = (typeof ROOM_KINDS)[number]

export const rooms = sqliteTable(
  'rooms',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    isPrivate: integer('is_private', { mode: 'boolean' }).notNull().default(false),
    topic: text('topic').notNull().default(''),
    /** 'direct': a two-person conversation opened with the `dm` frame; 'room': everything else. */
    kind: text('kind', { enum: ROOM_KINDS }).notNull().default('room'),
    /** Messages older than this many days are deleted; null: the hub's default (`retention.days`). */
    retentionDays: integer('retention_days'),
    /** Members see who has read how far ("seen by"); off unless the room turns it on. */
    readReceipts: integer('read_receipts', { mode: 'boolean' }).notNull().default(false),
    /** An end-to-end encrypted room (core/e2e): its MLS cipher suite; null for a clear room. */
    e2eSuite: integer('e2e_suite'),
    /** The MLS group id (16 random bytes, chosen by the hub at creation). */
    e2eGroup: blob('e2e_group', { mode: 'buffer' }),
    /** The epoch of the last Commit stored (0: the group as created). */
    e2eEpoch: integer('e2e_epoch'),
    /** That Commit's GroupInfo (MLSMessage, with the ratchet tree), for members who resync. */
    e2eGroupInfo: blob('e2e_group_info', { mode: 'buffer' }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex('rooms_name_unique').on(t.name)],
)
export type Room = typeof rooms.$inferSelect

export const ROLES = ['owner', 'moderator', 'member'] as const
export type Role = (typeof ROLES)[number]

export const roomMembers = sqliteTable(
  'room_members',
  {
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ROLES }).notNull().default('member'),
    joinedAt: integer('joined_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('room_members_user_idx').on(t.userId)],
)

export const roomInvites = sqliteTable(
  'room_invites',
  {
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
)

export const roomBans = sqliteTable(
  'room_bans',
  {
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    bannedBy: integer('banned_by').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason').notNull().default(''),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
)
