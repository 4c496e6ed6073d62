// The audit log: append-only, hash-chained rows (each stores sha256 of the previous hash and its own
// canonical content), so an edited or deleted row breaks the chain. Written through core/audit/audit-log.ts.
import { index, integer, sqliteTable, text } from '#drizzle'

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** ms since epoch. */
    at: integer('at').notNull(),
    /** Who did it: a user name, or a CLI actor such as `data-dir`. */
    actor: text('actor').notNull(),
    /** Dotted verb, prefixed by its owner: `totp.enabled`, `user.removed`. */
    action: text('action').notNull(),
    /** The user (or other object) acted upon, when there is one. */
    target: text('target'),
    /** Canonical JSON (sorted keys) of extra facts; never secrets or codes. */
    detail: text('detail'),
    /** Hash of the previous row ('' for the first row). */
    prevHash: text('prev_hash').notNull(),
    /** sha256(prevHash + canonical row content), hex. */
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_actor_idx').on(t.actor), index('audit_log_target_idx').on(t.target)],
)
export type AuditRow = typeof auditLog.$inferSelect
