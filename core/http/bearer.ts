// Bearer-token authentication for HTTP routes: `Authorization: Bearer <token>` -> the session's user.
import type { FastifyRequest } from 'fastify'
import type { SessionUser } from '#core/auth/session-store'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'

export const requireUser = (hub: Hub, req: FastifyRequest): SessionUser => {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
  if (!match?.[1]) throw coreErrors.authRequired()
  const user = hub.verifySession(match[1])
  if (!user) throw coreErrors.tokenInvalid()
  return user
}
