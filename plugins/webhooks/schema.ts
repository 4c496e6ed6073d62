// The webhooks plugin's tables (prefixed `webhooks_`): incoming hooks (secret stored hashed) and the
// delivery log of outgoing POSTs.
import { index, integer, sqliteTableCreator, text, uniqueIndex } from '#drizzle'

const table = sqliteTableCreator((name) => `webhooks_${name}`)

/** An incoming hook: POST /plugins/webhooks/in/<id>/<secret> posts into `room`. */
export const webhookHooks = table(
  'hooks',
  {
    /** Public, random id (the first path segment of the URL). */
    id: text('id').primaryKey(),
    room: text('room').notNull(),
    name: text('name').notNull(),
    /** SHA-256 of the secret (the second path segment); the secret itself is shown once. */
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('webhooks_hooks_room_name_unique').on(t.room, t.name)],
)
export type WebhookHook = typeof webhookHooks.$inferSelect

/** One row per outgoing item: its attempts and outcome. Never the body (no message text). */
export const webhookDeliveries = table(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    room: text('room').notNull(),
    url: text('url').notNull(),
    /** Hub sequence number of the message delivered. */
    seq: integer('seq').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    httpStatus: integer('http_status'),
    /** Stable code of a refusal (e.g. WEBHOOKS_DESTINATION_REFUSED), when the last error has one. */
    errorCode: text('error_code'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhooks_deliveries_room_id').on(t.room, t.id)],
)
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect
