// Sessions: issue, verify (prepared statement), revoke; revocations go to the change feed open sockets follow.
import { and, eq, isNull } from '#drizzle'
import { recordChange } from '#core/changes/feed'
import { type Db, type WriteTx, writeTransaction } from '#core/db/client'
import { sessionRestrictions } from '#core/db/schema/session-restrictions'
import { sessions } from '#core/db/schema/sessions'
import { storageHealth } from '#core/db/storage-health'
import { newToken, hashToken } from './tokens.ts'

export interface SessionUser {
  sessionId: number
  userId: number
  name: string
  admin: boolean
  kind: 'person' | 'bot' | 'bridge'
  /** Rooms a scoped (bot) token may use; undefined = all. */
  scopes: string[] | undefined
  /** Set when only this plugin's routes accept the session (e.g. TOTP enrolment is pending). */
  restricted?: string
}

export interface IssuedSession {
  token: string
  sessionId: number
  expiresAt: Date | null
}

/** Create a session (or a long-lived scoped token when ttlMs is null) and return its token, once. */
export const issueSession = (
  db: Db,
  userId: number,
  options: {
    ttlMs: number | null
    kind?: 'session' | 'bot'
    scopes?: string[]
    label?: string
    /** Restrict the session to this plugin's routes (see session_restrictions). */
    restrictedTo?: string
  },
): IssuedSession => {
  const token = newToken(options.kind === 'bot' ? 'chb' : 'chs')
  const expiresAt = options.ttlMs === null ? null : new Date(Date.now() + options.ttlMs)
  // In a transaction, whose COMMIT reports a failed write: an autocommit INSERT … RETURNING read
  // with .get() returns its row even when the commit fails (disk full), and better-sqlite3 drops
  // that error, so the caller would hand out a token that was never stored.
  try {
    const sessionId = writeTransaction(db, (tx) => {
      const [row] = tx
        .insert(sessions)
        .values({
          userId,
          tokenHash: hashToken(token),
          kind: options.kind ?? 'session',
          scopes: options.scopes ? JSON.stringify(options.scopes) : null,
          label: options.label ?? null,
          expiresAt,
        })
        .returning({ id: sessions.id })
        .all()
      if (!row) throw new Error('session insert returned no row')
      if (options.restrictedTo) {
        tx.insert(sessionRestrictions).values({ sessionId: row.id, plugin: options.restrictedTo }).run()
      }
      return row.id
    })
    storageHealth(db.$client).succeeded()
    return { token, sessionId, expiresAt }
  } catch (err) {
    throw storageHealth(db.$client).failed(err) ?? err
  }
}

interface SessionRow {
  session_id: number
  user_id: number
  name: string
  is_admin: number
  kind: 'person' | 'bot' | 'bridge'
  scopes: string | null
  expires_at: number | null
  revoked_at: number | null
  disabled_at: number | null
  restricted: string | null
}

/** Returns a verifier bound to a prepared statement: token -> user, or undefined if not valid now. */
export const sessionVerifier = (db: Db) => {
  const stmt = db.$client.prepare<[string], SessionRow>(
    `SELECT s.id AS session_id, s.user_id, u.name, u.is_admin, u.kind, s.scopes, s.expires_at, s.revoked_at, u.disabled_at,
            r.plugin AS restricted
       FROM sessions s JOIN users u ON u.id = s.user_id
       LEFT JOIN session_restrictions r ON r.session_id = s.id
      WHERE s.token_hash = ?`,
  )
  return (token: string, now = Date.now()): SessionUser | undefined => {
    const row = stmt.get(hashToken(token))
    if (!row || row.revoked_at !== null || row.disabled_at !== null) return undefined
    if (row.expires_at !== null && row.expires_at <= now) return undefined
    return {
      sessionId: row.session_id,
      userId: row.user_id,
      name: row.name,
      admin: row.is_admin === 1,
      kind: row.kind,
      scopes: row.scopes ? (JSON.parse(row.scopes) as string[]) : undefined,
      ...(row.restricted !== null ? { restricted: row.restricted } : {}),
    }
  }
}

/**
 * Mark one session, or every live session of a user, revoked — the rows only: callers inside a write
 * transaction record the change that makes running hubs close the sockets (see revokeSessions).
 */
export const revokeSessionRows = (tx: WriteTx, target: { userId: number; sessionId?: number }): void => {
  const where =
    target.sessionId === undefined
      ? and(eq(sessions.userId, target.userId), isNull(sessions.revokedAt))
      : and(eq(sessions.id, target.sessionId), isNull(sessions.revokedAt))
  tx.update(sessions).set({ revokedAt: new Date() }).where(where).run()
}

/** Revoke one session, or every session of a user; open sockets follow through the change feed. */
export const revokeSessions = (
  db: Db,
  target: { userId: number; sessionId?: number },
): void => {
  writeTransaction(db, (tx) => {
    revokeSessionRows(tx, target)
    recordChange(tx, { kind: 'sessions.revoked', userId: target.userId, sessionId: target.sessionId ?? null })
  })
}

/** Lift a session's restriction (its plugin's enrolment finished): it becomes a normal session. */
export const liftRestriction = (db: Db, sessionId: number): void => {
  db.delete(sessionRestrictions).where(eq(sessionRestrictions.sessionId, sessionId)).run()
}

/** Ids of a user's live (not revoked) sessions and tokens; with `label`, only those issued with it. */
export const liveSessionIds = (db: Db, userId: number, label?: string): number[] =>
  db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        ...(label === undefined ? [] : [eq(sessions.label, label)]),
      ),
    )
    .all()
    .map((r) => r.id)
