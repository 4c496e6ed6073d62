// End-to-end encrypted rooms (docs/e2e.md): the hub as MLS's Delivery Service (RFC 9420 §16). It
// keeps each account's devices (public signature keys and vouches), their KeyPackages, the Welcomes
// waiting for a device, and which users an E2E room still has to remove from its group. An E2E room's
// group (suite, id, epoch, GroupInfo) is in `rooms`; its MLS messages are `messages` rows with `mls`.
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from '#drizzle'
import { rooms } from './rooms.ts'
import { users } from './users.ts'

/** A device of an account (a CLI credentials home, a browser): its MLS signature key, never a private key. */
export const devices = sqliteTable(
  'devices',
  {
    id: integer('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Chosen by the device, unique per account; the MLS credential is `user/device`. */
    device: text('device').notNull(),
    name: text('name').notNull(),
    /** Ed25519 public key (suite 1), as in the device's KeyPackages and leaves. */
    signatureKey: blob('signature_key', { mode: 'buffer' }).notNull(),
    /** Registered when the account had no device: trusted on first use. */
    first: integer('first', { mode: 'boolean' }).notNull().default(false),
    /** The device of the same account that vouched for this one (core/protocol/e2e.ts, vouchStatement). */
    vouchBy: text('vouch_by'),
    vouchSignature: blob('vouch_signature', { mode: 'buffer' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex('devices_user_device_unique').on(t.userId, t.device)],
)

/** A device's published KeyPackages: one-time ones (deleted when claimed) and at most one last-resort one. */
export const keyPackages = sqliteTable(
  'key_packages',
  {
    id: integer('id').primaryKey(),
    deviceId: integer('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    /** The MLSMessage (mls_key_package) as the device sent it. */
    data: blob('data', { mode: 'buffer' }).notNull(),
    lastResort: integer('last_resort', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index('key_packages_device_idx').on(t.deviceId, t.lastResort)],
)

/**
 * The Welcome waiting for a device in a room: the latest only (a newer one replaces it). Deleted when
 * the device sends an MLS message in the room at the Welcome's epoch or later (it is in the group), when
 * the device is removed, and when its user is neither a member of the room nor invited any more.
 */
export const e2eWelcomes = sqliteTable(
  'e2e_welcomes',
  {
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    deviceId: integer('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The Commit that added the device. */
    seq: integer('seq').notNull(),
    /** The epoch the Welcome starts the device in (the Commit's epoch + 1). */
    epoch: integer('epoch').notNull(),
    data: blob('data', { mode: 'buffer' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.deviceId] }),
    index('e2e_welcomes_device_idx').on(t.deviceId),
  ],
)

/**
 * Users whose leaves an E2E room's group still holds although they left, were kicked or banned, or
 * their account was removed: application messages wait until a member's Commit removes them. By
 * name, not by id: a removed account's row is gone, and its name is what its credentials carry.
 */
export const e2ePendingRemovals = sqliteTable(
  'e2e_pending_removals',
  {
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    user: text('user').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.user] })],
)
