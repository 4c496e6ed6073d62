// Bearer-token authentication for HTTP routes: `Authorization: Bearer <token>` -> the session's user,
// or the fixed token of an operations route (/metrics with server.metricsToken).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SessionUser } from '#core/auth/session-store'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'

/**
 * The user of the request's session. A restricted session (see session_restrictions) is refused
 * with CHATHUB_SESSION_RESTRICTED unless `allowRestricted` names the plugin it is restricted to
 * (or is `true`, for logout and whoami).
 */
export const requireUser = (
  hub: Hub,
  req: FastifyRequest,
  options: { allowRestricted?: string | true } = {},
): SessionUser => {
  const token = bearerToken(req)
  if (token === undefined) throw coreErrors.authRequired()
  const user = hub.verifySession(token)
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

const bearerToken = (req: FastifyRequest): string | undefined => {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return match?.[1]
}

/** Compare in constant time (hashed first, so lengths do not leak either). */
const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
