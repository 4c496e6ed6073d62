// Account queries: plain functions over the Drizzle db (synchronous, better-sqlite3).
import { asc, eq } from '#drizzle'
import { type Db, writeTransaction } from '#core/db/client'
import { type User, users } from '#core/db/schema/users'
import { coreErrors } from '#core/errors'

export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/

export const checkUserName = (name: string): string => {
  if (!USER_NAME.test(name)) {
    throw coreErrors.inputInvalid(
      `"${name}" is not a valid user name (1-32 of a-z, 0-9, ".", "_", "-", starting with a letter or digit)`,
    )
  }
  return name
}

export const findUser = (db: Db, name: string): User | undefined =>
  db.select().from(users).where(eq(users.name, name)).get()

export const findUserById = (db: Db, id: number): User | undefined =>
  db.select().from(users).where(eq(users.id, id)).get()

export const requireUser = (db: Db, name: string): User => {
  const user = findUser(db, name)
  if (!user) throw coreErrors.userNotFound(name)
  return user
}

export interface NewUser {
  name: string
  passwordHash: string | null
  isAdmin?: boolean
  kind?: User['kind']
}

export const insertUser = (db: Db, input: NewUser): User => {
  checkUserName(input.name)
  return writeTransaction(db, (tx) => {
    if (findUser(db, input.name)) throw coreErrors.userExists(input.name)
    // .all(), not .get(): a RETURNING statement stepped once and reset can lose its error.
    const [user] = tx
      .insert(users)
      .values({
        name: input.name,
        passwordHash: input.passwordHash,
        isAdmin: input.isAdmin ?? false,
        kind: input.kind ?? 'person',
      })
      .returning()
      .all()
    if (!user) throw new Error(`inserting user ${input.name} returned no row`)
    return user
  })
}

export const listUsers = (db: Db): User[] => db.select().from(users).orderBy(asc(users.name)).all()
