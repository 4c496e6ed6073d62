// The browser's session (docs/web.md, "Sessions in the browser"): the session token in an HttpOnly
// cookie that page scripts cannot read, and a random CSRF value in a readable one that the page
// echoes in the X-Chathub-CSRF header of every request that changes something (core/web/csrf.ts).
// Handed over at login with `"session": "cookie"`, at a plugin's second login step and at a password
// change made with the cookie; cleared at logout. Bearer tokens (CLI, bots, bridges) are unchanged.
import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '#typebox'
import type { IssuedSession } from '#core/auth/session-store'
import type { Hub } from '#core/hub'
import { CSRF_COOKIE, refuseForeignOrigin } from './csrf.ts'

export const SESSION_COOKIE = 'chathub_session'

/** How a login hands over its session: the token in the answer (default), or the browser's cookies. */
export const SessionMode = Type.Union([Type.Literal('token'), Type.Literal('cookie')])
export type SessionMode = 'token' | 'cookie'

/** What a login answer carries instead of `token` in cookie mode. */
export type HandedOver = { token: string } | { session: 'cookie'; csrf: string }

/** The request's session cookie, if any (an Authorization header takes precedence: core/http/bearer.ts). */
export const sessionCookie = (req: FastifyRequest): string | undefined => {
  const value = req.cookies?.[SESSION_COOKIE]
  return value === undefined || value === '' ? undefined : value
}

/** The request's CSRF cookie, if any. */
export const csrfCookie = (req: FastifyRequest): string | undefined => {
  const value = req.cookies?.[CSRF_COOKIE]
  return value === undefined || value === '' ? undefined : value
}

/**
 * Hand a freshly issued session to the client. Token mode: `{ token }` for the answer. Cookie mode:
 * the session cookie (HttpOnly) and a fresh CSRF cookie, both SameSite=Strict, Path=/, Secure when
 * the client reached the hub over TLS, and living as long as the session; the answer gets
 * `{ session: 'cookie', csrf }` and never the token. A cookie login from a page of a foreign origin
 * is refused (CHATHUB_CSRF_REFUSED) before anything is set.
 */
export const handOverSession = (
  hub: Hub,
  req: FastifyRequest,
  reply: FastifyReply,
  session: IssuedSession,
  mode: SessionMode = 'token',
): HandedOver => {
  if (mode === 'token') return { token: session.token }
  refuseForeignOrigin(hub, req)
  const csrf = randomBytes(32).toString('base64url')
  const options = cookieOptions(hub, req, session.expiresAt)
  void reply.setCookie(SESSION_COOKIE, session.token, { ...options, httpOnly: true })
  void reply.setCookie(CSRF_COOKIE, csrf, { ...options, httpOnly: false })
  return { session: 'cookie', csrf }
}

/** Clear both cookies (Max-Age=0), e.g. at logout. */
export const clearSessionCookies = (hub: Hub, req: FastifyRequest, reply: FastifyReply): void => {
  const options = cookieOptions(hub, req, null)
  void reply.clearCookie(SESSION_COOKIE, { ...options, httpOnly: true })
  void reply.clearCookie(CSRF_COOKIE, { ...options, httpOnly: false })
}

const cookieOptions = (hub: Hub, req: FastifyRequest, expiresAt: Date | null) => ({
  path: '/',
  sameSite: 'strict' as const,
  secure: hub.origins.secure(req.raw),
  // A session without an end (never for logins) makes cookies that end with the browser session.
  ...(expiresAt ? { maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)) } : {}),
})
