// Authentication for HTTP routes: `Authorization: Bearer <token>` (CLI, bots, bridges) or, without
// that header, the browser's session cookie (with the CSRF check for requests that change something)
// -> the session's user; or the fixed token of an operations route (/metrics with server.metricsToken).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SessionUser } from '#core/auth/session-store'
import { sameSecret } from '#core/auth/tokens'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import { isSafeMethod, requireCsrf } from '#core/web/csrf'
import { sessionCookie } from '#core/web/session-cookies'

/**
 * The user of the request's session: its bearer token, or (with no Authorization header) its session
 * cookie, in which case a method other than GET/HEAD/OPTIONS must pass the CSRF check first
 * (CHATHUB_CSRF_REFUSED). A restricted session (see session_restrictions) is refused with
 * CHATHUB_SESSION_RESTRICTED unless `allowRestricted` names the plugin it is restricted to (or is
 * `true`, for logout and whoami).
 */
export const requireUser = (
  hub: Hub,
  req: FastifyRequest,
  options: { allowRestricted?: string | true } = {},
): SessionUser => {
  const credential = credentialOf(req)
  if (credential === undefined) throw coreErrors.authRequired()
  if (credential.via === 'cookie' && !isSafeMethod(req.method)) requireCsrf(hub, req)
  const user = hub.verifySession(credential.token)
  if (!user) throw coreErrors.tokenInvalid()
  if (
    user.restricted !== undefined &&
    options.allowRestricted !== true &&
    options.allowRestricted !== user.restricted
  ) {
    throw coreErrors.sessionRestricted(user.restricted)
  }
  return user
}

/**
 * Refuse the request with CHATHUB_METRICS_UNAUTHORIZED (401, `WWW-Authenticate: Bearer`, RFC 6750)
 * unless it carries `server.metricsToken` as its bearer token. No token configured: open.
 */
export const requireMetricsToken = (hub: Hub, req: FastifyRequest, reply: FastifyReply): void => {
  const expected = hub.config.server.metricsToken
  if (expected === '') return
  const given = bearerToken(req)
  if (given !== undefined && sameSecret(given, expected)) return
  void reply.header('www-authenticate', 'Bearer realm="chathub metrics"')
  throw coreErrors.metricsUnauthorized()
}

/** How the request authenticates (Authorization header first), or undefined with neither. */
export const credentialOf = (req: FastifyRequest): { via: 'bearer' | 'cookie'; token: string } | undefined => {
  if (req.headers.authorization !== undefined) {
    const token = bearerToken(req)
    return token === undefined ? undefined : { via: 'bearer', token }
  }
  const token = sessionCookie(req)
  return token === undefined ? undefined : { via: 'cookie', token }
}

const bearerToken = (req: FastifyRequest): string | undefined => {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return match?.[1]
}
