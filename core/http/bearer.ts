// Bearer-token authentication for HTTP routes: `Authorization: Bearer <token>` -> the session's user.
import type { FastifyRequest } from 'fastify'
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
  const header = req.headers.authorization
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
  if (!match?.[1]) throw coreErrors.authRequired()
  const user = hub.verifySession(match[1])
  if (!user) throw coreErrors.tokenInvalid()
  if (user.restricted !== undefined && options.allowRestricted !== true && options.allowRestricted !== user.restricted) {
    throw coreErrors.sessionRestricted(user.restricted)
  }
  return user
}
