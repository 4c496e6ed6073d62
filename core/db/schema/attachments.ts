// Attachments: files uploaded to a room (stored content-addressed under <dataDir>/attachments),
// and which messages carry them. The bytes live on disk; only metadata is here.
import { index, integer, primaryKey, sqliteTable, text } from '#drizzle'
import { messages } from './messages.ts'
import { rooms } from './rooms.ts'
import { users } from './users.ts'

export const attachments = sqliteTable(
  'attachments',
  {
    /** Random, server-generated, URL-safe: never derived from anything the client sent. */
    id: text('id').primaryKey(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    uploaderId: integer('uploader_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Hex SHA-256 of the stored bytes (after lossless metadata stripping): the file's name on disk. */
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    /** Sniffed from the file's magic bytes, never taken from the client. */
    mime: text('mime').notNull(),
    /** Sanitised display name (no path, no control characters). */
    name: text('name').notNull(),
    width: integer('width'),
    height: integer('height'),
    /** Hex SHA-256 of the thumbnail file, for images. */
    thumbnailSha256: text('thumbnail_sha256'),
    createdAt: integer('created_at').notNull(), // ms since epoch
  },
  (t) => [
    index('attachments_room_idx').on(t.roomId),
    index('attachments_sha256_idx').on(t.sha256),
    // Quota usage per uploader, and the sweep's "is this thumbnail still referenced".
    index('attachments_uploader_idx').on(t.uploaderId),
    index('attachments_thumbnail_idx').on(t.thumbnailSha256),
  ],
)
export type Attachment = typeof attachments.$inferSelect

/** The attachments of a message, in the order the sender gave them. */
export const messageAttachments = sqliteTable(
  'message_attachments',
  {
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.position] }),
    index('message_attachments_attachment_idx').on(t.attachmentId),
  ],
)
