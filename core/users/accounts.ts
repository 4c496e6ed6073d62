// Accounts: the password policy, adding an account and changing a password (the admin service and a
// user's own change over HTTP). Each write records its change-feed row in its transaction.
import { eq } from '#drizzle'
import { type Argon2Params, hashPassword } from '#core/auth/passwords'
import { revokeSessionRows } from '#core/auth/session-store'
import { recordChange } from '#core/changes/feed'
import { type Db, writeTransaction } from '#core/db/client'
import { type User, users } from '#core/db/schema/users'
import { coreErrors } from '#core/errors'
import { insertUser, requireUser } from './queries.ts'

export interface PasswordPolicy {
  minPasswordLength: number
  argon2: Argon2Params
}

export const checkPassword = (password: string, policy: PasswordPolicy): void => {
  if (password.length < policy.minPasswordLength) throw coreErrors.passwordWeak(policy.minPasswordLength)
  if (password.length > 1024) throw coreErrors.inputInvalid('the password is longer than 1024 characters')
}

/** What else a write does in its transaction (the admin service's audit row). */
type AlsoInTransaction = (user: User) => void

/** Create an account (argon2id hash under the policy). Feed: `user.added`. */
export const addAccount = async (
  db: Db,
  input: { name: string; password: string; admin?: boolean },
  policy: PasswordPolicy,
  also?: AlsoInTransaction,
): Promise<User> => {
  checkPassword(input.password, policy)
  const passwordHash = await hashPassword(input.password, policy.argon2)
  return writeTransaction(db, (tx) => {
    const user = insertUser(db, { name: input.name, passwordHash, isAdmin: input.admin ?? false })
    recordChange(tx, { kind: 'user.added', userId: user.id })
    also?.(user)
    return user
  })
}

/**
 * Set a new password and end every session of the user; feed: `user.password_changed` (every
 * running hub closes their sockets). All in one transaction: a write that fails (disk full) leaves
 * the old password with its sessions, never a new password beside sessions that should have ended.
 */
export const setPassword = async (
  db: Db,
  name: string,
  password: string,
  policy: PasswordPolicy,
  also?: AlsoInTransaction,
): Promise<User> => {
  checkPassword(password, policy)
  requireUser(db, name)
  const passwordHash = await hashPassword(password, policy.argon2)
  return writeTransaction(db, (tx) => {
    const user = requireUser(db, name) // still there after the hashing
    tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run()
    revokeSessionRows(tx, { userId: user.id })
    recordChange(tx, { kind: 'user.password_changed', userId: user.id })
    also?.(user)
    return user
  })
}
