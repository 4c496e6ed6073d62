// The AuthApi handed to plugins (ctx.auth): bearer or cookie auth for plugin routes, account lookup,
// issuing (as tokens or browser cookies) and ending sessions, lifting a session restriction. Bound to
// one hub by buildServer().
import { issueSession, liftRestriction, liveSessionIds, revokeSessions } from '#core/auth/session-store'
import { requireUser } from '#core/http/bearer'
import type { Hub } from '#core/hub'
import { coreErrors } from '#core/errors'
import { findUser, findUserById, insertUser } from '#core/users/queries'
import { handOverSession } from '#core/web/session-cookies'
import type { AuthApi, PluginUser } from './contract.ts'

export const createAuthApi =
  (hub: Hub) =>
  (plugin: string): AuthApi => ({
    requireUser: (req, options = {}) =>
      requireUser(hub, req, options.allowRestricted ? { allowRestricted: plugin } : {}),
    findUser: (nameOrId) => {
      const row = typeof nameOrId === 'number' ? findUserById(hub.db, nameOrId) : findUser(hub.db, nameOrId)
      if (!row) return undefined
      const user: PluginUser = {
        id: row.id,
        name: row.name,
        admin: row.isAdmin,
        kind: row.kind,
        disabled: row.disabledAt !== null,
      }
      return user
    },
    createAccount: (name, kind) => {
      if (findUser(hub.db, name)) throw coreErrors.userExists(name)
      const row = insertUser(hub.db, { name, passwordHash: null, kind })
      return { id: row.id, name: row.name, admin: false, kind, disabled: false }
    },
    issueSession: (userId) => {
      const s = issueSession(hub.db, userId, { ttlMs: hub.config.auth.sessionTtlHours * 3600_000 })
      return { token: s.token, expiresAt: s.expiresAt?.toISOString() ?? null }
    },
    startSession: (req, reply, userId, mode = 'token') => {
      const s = issueSession(hub.db, userId, { ttlMs: hub.config.auth.sessionTtlHours * 3600_000 })
      return { ...handOverSession(hub, req, reply, s, mode), expiresAt: s.expiresAt?.toISOString() ?? null }
    },
    endSessions: (userId, options = {}) => {
      let n = 0
      for (const sessionId of liveSessionIds(hub.db, userId, options.label)) {
        if (sessionId === options.except) continue
        // One feed row per session, so other hubs keep the excepted session's sockets open too.
        revokeSessions(hub.db, { userId, sessionId })
        hub.endSessions(userId, sessionId, options.reason ?? 'session ended')
        n++
      }
      return n
    },
    liftRestriction: (sessionId) => liftRestriction(hub.db, sessionId),
  })
