// Account lifecycle shared by the admin CLI and the HTTP API: add, change password, disable, remove.
// Every change that ends access also revokes sessions, which ends open WebSockets through the change feed.
import { eq } from '#drizzle'
import { type Argon2Params, hashPassword } from '#core/auth/passwords'
import { revokeSessions } from '#core/auth/session-store'
import { type Db, writeTransaction } from '#core/db/client'
import { changeFeed } from '#core/db/schema/changes'
import { type User, users } from '#core/db/schema/users'
import { coreErrors } from '#core/errors'
import { insertUser, requireUser } from './queries.ts'

export interface PasswordPolicy {
  minPasswordLength: number
  argon2: Argon2Params
}

export const checkPassword = (password: string, policy: PasswordPolicy): void => {
  if (password.length < policy.minPasswordLength) throw coreErrors.passwordWeak(policy.minPasswordLength)
  if (password.length > 1024) throw coreErrors.frameInvalid('password is longer than 1024 characters')
}

export const addAccount = async (
  db: Db,
  input: { name: string; password: string; admin?: boolean },
  policy: PasswordPolicy,
): Promise<User> => {
  checkPassword(input.password, policy)
  const passwordHash = await hashPassword(input.password, policy.argon2)
  return insertUser(db, { name: input.name, passwordHash, isAdmin: input.admin ?? false })
}

/**
 * Set a new password and end every session of the user (their open sockets close). Both in one
 * transaction: a write that fails (disk full) leaves the old password with its sessions, never a
 * new password beside sessions that should have ended.
 */
export const setPassword = async (db: Db, name: string, password: string, policy: PasswordPolicy): Promise<User> => {
  checkPassword(password, policy)
  const user = requireUser(db, name)
  const passwordHash = await hashPassword(password, policy.argon2)
  writeTransaction(db, (tx) => {
    tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run()
    revokeSessions(db, { userId: user.id })
  })
  return user
}

/** Disable (ending every session, in the same transaction) or enable an account. */
export const setDisabled = (db: Db, name: string, disabled: boolean): User =>
  writeTransaction(db, (tx) => {
    const user = requireUser(db, name)
    tx.update(users)
      .set({ disabledAt: disabled ? new Date() : null })
      .where(eq(users.id, user.id))
      .run()
    if (disabled) revokeSessions(db, { userId: user.id })
    return user
  })

export const removeAccount = (db: Db, name: string): void =>
  writeTransaction(db, (tx) => {
    const user = requireUser(db, name)
    tx.delete(users).where(eq(users.id, user.id)).run()
    tx.insert(changeFeed).values({ kind: 'user.removed', userId: user.id }).run()
  })
