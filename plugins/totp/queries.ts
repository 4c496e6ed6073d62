// Queries on the totp_ tables only (the plugin never touches core tables). Synchronous (better-sqlite3).
import { and, count, eq, isNull, lt, or, sql } from '#drizzle'
import { type Db, writeTransaction } from '#core/plugin-api'
import { type TotpAccount, totpAccounts, totpLoginTickets, totpRecoveryCodes } from './schema.ts'
import type { TotpParams } from './totp.ts'

export const getAccount = (db: Db, userId: number): TotpAccount | undefined =>
  db.select().from(totpAccounts).where(eq(totpAccounts.userId, userId)).get()

/** Start (or restart) an enrolment: a pending row with a new sealed secret. Never replaces an enabled one. */
export const putPending = (db: Db, userId: number, sealed: Buffer, params: TotpParams, now: number): void => {
  db.insert(totpAccounts)
    .values({ userId, secret: sealed, status: 'pending', ...params, createdAt: now })
    .onConflictDoUpdate({
      target: totpAccounts.userId,
      set: { secret: sealed, ...params, lastStep: null, createdAt: now },
      setWhere: eq(totpAccounts.status, 'pending'),
    })
    .run()
}

export const markEnabled = (db: Db, userId: number, now: number): void => {
  db.update(totpAccounts).set({ status: 'enabled', enabledAt: now }).where(eq(totpAccounts.userId, userId)).run()
}

/** Turn TOTP off for a user: the secret and recovery codes are deleted. */
export const deleteAccount = (db: Db, userId: number): boolean =>
  writeTransaction(db, (tx) => {
    tx.delete(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, userId)).run()
    tx.delete(totpLoginTickets).where(eq(totpLoginTickets.userId, userId)).run()
    return tx.delete(totpAccounts).where(eq(totpAccounts.userId, userId)).run().changes > 0
  })

/**
 * Accept a time step only if it is after the last accepted one, in one statement, so two sessions
 * (or two hub processes) racing with the same code cannot both succeed.
 */
export const claimStep = (db: Db, userId: number, step: number, now: number): boolean =>
  db
    .update(totpAccounts)
    .set({ lastStep: step, failures: 0, lockouts: 0, lockedUntil: null, verifiedAt: now })
    .where(
      and(
        eq(totpAccounts.userId, userId),
        or(isNull(totpAccounts.lastStep), lt(totpAccounts.lastStep, step)),
      ),
    )
    .run().changes === 1

/** A success that is not a time step (a recovery code): clear failures, note the time. */
export const recordSuccess = (db: Db, userId: number, now: number): void => {
  db.update(totpAccounts)
    .set({ failures: 0, lockouts: 0, lockedUntil: null, verifiedAt: now })
    .where(eq(totpAccounts.userId, userId))
    .run()
}

/** Count a failure; returns the counters after it. */
// `.all()`, not `.get()`: an autocommit statement commits when it runs to its end, and `.get()` stops
// after the first row, so a commit that fails (a full disk) would go unnoticed.
export const recordFailure = (db: Db, userId: number): { failures: number; lockouts: number } =>
  db
    .update(totpAccounts)
    .set({ failures: sql`${totpAccounts.failures} + 1` })
    .where(eq(totpAccounts.userId, userId))
    .returning({ failures: totpAccounts.failures, lockouts: totpAccounts.lockouts })
    .all()[0] ?? { failures: 0, lockouts: 0 }

export const lockAccount = (db: Db, userId: number, until: number): void => {
  db.update(totpAccounts)
    .set({ failures: 0, lockouts: sql`${totpAccounts.lockouts} + 1`, lockedUntil: until })
    .where(eq(totpAccounts.userId, userId))
    .run()
}

/** Replace a user's recovery codes (hashes) at once; old ones stop working. */
export const replaceRecoveryCodes = (db: Db, userId: number, hashes: string[]): void => {
  writeTransaction(db, (tx) => {
    tx.delete(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, userId)).run()
    for (const codeHash of hashes) tx.insert(totpRecoveryCodes).values({ userId, codeHash }).run()
  })
}

/** Use a recovery code once: true only for an unused code of this user. */
export const useRecoveryCode = (db: Db, userId: number, codeHash: string, now: number): boolean =>
  db
    .update(totpRecoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(totpRecoveryCodes.userId, userId),
        eq(totpRecoveryCodes.codeHash, codeHash),
        isNull(totpRecoveryCodes.usedAt),
      ),
    )
    .run().changes === 1

export const recoveryCodesLeft = (db: Db, userId: number): number =>
  db
    .select({ n: count() })
    .from(totpRecoveryCodes)
    .where(and(eq(totpRecoveryCodes.userId, userId), isNull(totpRecoveryCodes.usedAt)))
    .get()?.n ?? 0

export const insertTicket = (db: Db, ticketHash: string, userId: number, expiresAt: number, now: number): void => {
  writeTransaction(db, (tx) => {
    tx.delete(totpLoginTickets).where(lt(totpLoginTickets.expiresAt, now)).run()
    tx.insert(totpLoginTickets).values({ ticketHash, userId, expiresAt }).run()
  })
}

export const findTicket = (db: Db, ticketHash: string, now: number): { userId: number } | undefined => {
  const row = db.select().from(totpLoginTickets).where(eq(totpLoginTickets.ticketHash, ticketHash)).get()
  return row && row.expiresAt > now ? { userId: row.userId } : undefined
}

export const deleteTicket = (db: Db, ticketHash: string): void => {
  db.delete(totpLoginTickets).where(eq(totpLoginTickets.ticketHash, ticketHash)).run()
}
