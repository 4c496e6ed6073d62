// The totp plugin's tables (prefixed `totp_`): per-user enrolment with the sealed secret, replay and
// lock-out state; hashed recovery codes; short-lived pending-login tickets (second login step).
import { index, integer, blob, sqliteTableCreator, text } from '#drizzle'
import { users } from '#core/plugin-api'

const table = sqliteTableCreator((name) => `totp_${name}`)

export const totpAccounts = table('accounts', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** AES-256-GCM sealed secret (version | iv | tag | ciphertext), user id as associated data. */
  secret: blob('secret', { mode: 'buffer' }).notNull(),
  /** 'pending' after setup, 'enabled' after the first code confirmed it. */
  status: text('status', { enum: ['pending', 'enabled'] }).notNull(),
  /** Parameters fixed at enrolment, so a config change never breaks an enrolled authenticator. */
  algorithm: text('algorithm', { enum: ['SHA1', 'SHA256', 'SHA512'] }).notNull(),
  digits: integer('digits').notNull(),
  period: integer('period').notNull(),
  /** Highest RFC 6238 time step accepted; codes at or before it are replays. */
  lastStep: integer('last_step'),
  /** Consecutive failed code / recovery-code attempts since the last success or lock. */
  failures: integer('failures').notNull().default(0),
  /** Locks so far without a success in between (each doubles the lock time). */
  lockouts: integer('lockouts').notNull().default(0),
  lockedUntil: integer('locked_until'), // ms since epoch
  /** When a valid code was last entered (step-up freshness), ms since epoch. */
  verifiedAt: integer('verified_at'),
  enabledAt: integer('enabled_at'),
  createdAt: integer('created_at').notNull(),
})
export type TotpAccount = typeof totpAccounts.$inferSelect

export const totpRecoveryCodes = table(
  'recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** HMAC-SHA256 (server-key derived) of the normalised code, hex. */
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('totp_recovery_codes_user_idx').on(t.userId)],
)

export const totpLoginTickets = table('login_tickets', {
  /** sha256 of the ticket, hex; the ticket itself is only in the login response. */
  ticketHash: text('ticket_hash').primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: integer('expires_at').notNull(),
})
