// CSRF protection for requests authenticated by the browser session cookie. SameSite=Strict already
// keeps the cookie off requests other sites start; on top of it, every request that changes
// something must echo the chathub_csrf cookie in the X-Chathub-CSRF header (a page of another origin
// can neither read the cookie nor set the header without the hub's consent), and a browser's Origin
// header, when sent, must be an origin the hub allows (core/web/origin.ts). Bearer requests are not
// concerned: a browser never adds an Authorization header by itself.
import type { FastifyRequest } from 'fastify'
import { sameSecret } from '#core/auth/tokens'
import type { Hub } from '#core/hub'
import { webErrors } from './errors.ts'

/** The readable cookie holding the CSRF value (set beside the session cookie, session-cookies.ts). */
export const CSRF_COOKIE = 'chathub_csrf'
/** The request header that must echo it. */
export const CSRF_HEADER = 'x-chathub-csrf'

/** Methods that only read; every other method must pass the CSRF check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method)

/** Refuse (CHATHUB_CSRF_REFUSED) a request whose Origin header names an origin the hub does not allow. */
export const refuseForeignOrigin = (hub: Hub, req: FastifyRequest): void => {
  const origin = req.headers.origin
  if (origin !== undefined && !hub.origins.sharesSession(req.raw, origin)) throw webErrors.csrfRefused()
}

/**
 * For a cookie-authenticated request that changes something: the X-Chathub-CSRF header must equal
 * the chathub_csrf cookie (compared in constant time), and the Origin, if sent, must be allowed.
 */
export const requireCsrf = (hub: Hub, req: FastifyRequest): void => {
  const header = req.headers[CSRF_HEADER]
  const cookie = req.cookies?.[CSRF_COOKIE]
  if (typeof header !== 'string' || header === '' || !cookie || !sameSecret(header, cookie)) {
    throw webErrors.csrfRefused()
  }
  refuseForeignOrigin(hub, req)
}
