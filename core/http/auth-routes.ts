// HTTP auth API: login (rate-limited, no account enumeration), logout (this session or all of the
// user's), whoami, password change. A session goes to the client as a token, or to a browser as
// cookies (core/web/session-cookies.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '#typebox'
import { appendAudit } from '#core/audit/audit-log'
import { type LoginAttempt, LoginLimiter } from '#core/auth/login-limiter'
import { verifyPassword } from '#core/auth/passwords'
import { issueSession, revokeSessions } from '#core/auth/session-store'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import { checkPassword, setPassword } from '#core/users/accounts'
import { findUser } from '#core/users/queries'
import { refuseForeignOrigin } from '#core/web/csrf'
import { clearSessionCookies, csrfCookie, handOverSession, SessionMode } from '#core/web/session-cookies'
import { credentialOf, requireUser } from './bearer.ts'

/** Fields besides these go to the plugins' onLogin (e.g. totp's `code`). */
const LoginBody = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    /** `cookie`: the session goes into the browser's cookies, not into the answer. */
    session: Type.Optional(SessionMode),
  },
  { additionalProperties: true },
)

/** No body (the CLI), `{}`, or `{ "all": true }` to end every session of the user. */
const LogoutBody = Type.Union([
  Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Null(),
])

const PasswordBody = Type.Object(
  {
    current: Type.String({ minLength: 1, maxLength: 1024 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    /** Step-up (e.g. the totp plugin): a fresh two-factor code, or a recovery code. */
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)

export const registerAuthRoutes = (
  app: FastifyInstance,
  hub: Hub,
  options: { now?: (() => number) | undefined } = {},
): void => {
  const { auth } = hub.config
  const limiter = new LoginLimiter(auth, options.now)
  const policy = {
    minPasswordLength: auth.minPasswordLength,
    argon2: { memoryKiB: auth.argon2MemoryKib, passes: auth.argon2Passes },
  }

  const takeAttempt = (req: FastifyRequest, name: string): LoginAttempt => {
    try {
      return limiter.take(name, req.ip)
    } catch (err) {
      req.log.info({ user: name, ip: req.ip }, 'login refused by the rate limit')
      throw err
    }
  }

  app.post<{ Body: { user: string; password: string; session?: SessionMode } }>(
    '/api/v1/login',
    { schema: { body: LoginBody } },
    async (req, reply) => {
      const name = req.body.user
      const mode = req.body.session ?? 'token'
      // A cookie login from a page of another origin is refused before the password is checked.
      if (mode === 'cookie') refuseForeignOrigin(hub, req)
      // Taken before the password is checked: parallel attempts cannot pass the limits together.
      const attempt = takeAttempt(req, name)
      let user: ReturnType<typeof findUser>
      let ok = false
      try {
        user = findUser(hub.db, name)
        ok =
          (await verifyPassword(user?.passwordHash, req.body.password)) && user?.kind === 'person'
      } finally {
        attempt.settle(ok)
      }
      if (!user || !ok) {
        req.log.info({ user: name, ip: req.ip }, 'login failed')
        throw coreErrors.authFailed()
      }
      if (user.disabledAt) throw coreErrors.userDisabled()
      // Plugins (e.g. totp) may ask for more than the password, or restrict the session.
      const { password: _password, session: _session, ...body } = req.body
      const { restrictedTo } = await hub.plugins.onLogin({
        userId: user.id,
        user: user.name,
        admin: user.isAdmin,
        body,
        ip: req.ip,
      })
      const session = issueSession(hub.db, user.id, {
        ttlMs: auth.sessionTtlHours * 3600_000,
        ...(restrictedTo ? { restrictedTo } : {}),
      })
      req.log.info({ user: user.name, restricted: restrictedTo }, 'login')
      return {
        ...handOverSession(hub, req, reply, session, mode),
        user: user.name,
        admin: user.isAdmin,
        expiresAt: session.expiresAt?.toISOString() ?? null,
        ...(restrictedTo ? { restricted: restrictedTo } : {}),
      }
    },
  )

  app.post<{ Body: { all?: boolean } | null }>(
    '/api/v1/logout',
    { schema: { body: LogoutBody } },
    async (req, reply) => {
      const user = requireUser(hub, req, { allowRestricted: true })
      if (req.body?.all === true) {
        // Every device: each session and token of the user, and every socket they opened.
        revokeSessions(hub.db, { userId: user.userId })
        hub.endSessions(user.userId, null, 'logged out everywhere')
      } else {
        revokeSessions(hub.db, { userId: user.userId, sessionId: user.sessionId })
        hub.endSessions(user.userId, user.sessionId, 'logged out')
      }
      if (credentialOf(req)?.via === 'cookie') clearSessionCookies(hub, req, reply)
      return { ok: true }
    },
  )

  app.get('/api/v1/me', async (req) => {
    const user = requireUser(hub, req, { allowRestricted: true })
    // A cookie session's CSRF value, so that the page need not parse document.cookie for it.
    const csrf = credentialOf(req)?.via === 'cookie' ? csrfCookie(req) : undefined
    return {
      user: user.name,
      admin: user.admin,
      kind: user.kind,
      ...(user.restricted !== undefined ? { restricted: user.restricted } : {}),
      ...(csrf !== undefined ? { csrf } : {}),
    }
  })

  app.post<{ Body: { current: string; password: string; code?: string; recoveryCode?: string } }>(
    '/api/v1/password',
    { schema: { body: PasswordBody } },
    async (req, reply) => {
      const user = requireUser(hub, req)
      const attempt = takeAttempt(req, user.name)
      let ok = false
      try {
        ok = await verifyPassword(findUser(hub.db, user.name)?.passwordHash, req.body.current)
      } finally {
        attempt.settle(ok)
      }
      if (!ok) throw coreErrors.authFailed()
      // A weak password is refused before a two-factor code is spent on the step-up.
      checkPassword(req.body.password, policy)
      const { current: _current, password: _password, ...extra } = req.body
      await hub.plugins.onStepUp({ userId: user.userId, user: user.name, admin: user.admin, action: 'password', body: extra })
      await setPassword(hub.db, user.name, req.body.password, policy, (changed) =>
        appendAudit(hub.db, { actor: changed.name, action: 'user.password_changed', target: changed.name, detail: { via: 'self' } }),
      )
      hub.endSessions(user.userId, null, 'password changed')
      const session = issueSession(hub.db, user.userId, { ttlMs: auth.sessionTtlHours * 3600_000 })
      // Changed from the browser: the new session replaces the cookie, and is not in the answer.
      const mode = credentialOf(req)?.via === 'cookie' ? 'cookie' : 'token'
      return { ...handOverSession(hub, req, reply, session, mode), expiresAt: session.expiresAt?.toISOString() ?? null }
    },
  )
}
