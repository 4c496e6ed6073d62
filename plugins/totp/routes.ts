// HTTP routes under /plugins/totp: enrolment (setup, confirm), status, disable, recovery codes,
// step-up (verify), the second login step (login) and the admin reset. Documented in docs/protocol.md.
import type { FastifyInstance } from 'fastify'
import { Type } from '#typebox'
import { type AuthApi, ChatError, SessionMode, type SessionUser } from '#core/plugin-api'
import type { TotpService, TotpUser } from './service.ts'

const Code = Type.String({ minLength: 1, maxLength: 64 })
const CodeBody = Type.Object(
  { code: Type.Optional(Code), recoveryCode: Type.Optional(Code) },
  { additionalProperties: false },
)
const ConfirmBody = Type.Object({ code: Code }, { additionalProperties: false })
const LoginBody = Type.Object(
  {
    ticket: Type.String({ minLength: 1, maxLength: 128 }),
    code: Type.Optional(Code),
    recoveryCode: Type.Optional(Code),
    /** `cookie`: the session goes into the browser's cookies, as with POST /api/v1/login. */
    session: Type.Optional(SessionMode),
  },
  { additionalProperties: false },
)
const ResetBody = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 64 }), code: Type.Optional(Code), recoveryCode: Type.Optional(Code) },
  { additionalProperties: false },
)

interface CodeFields {
  code?: string
  recoveryCode?: string
}

const asUser = (s: SessionUser): TotpUser => ({ id: s.userId, name: s.name, admin: s.admin })

export const registerTotpRoutes = (app: FastifyInstance, service: TotpService, auth: AuthApi): void => {
  // Enrolment works with a restricted session: under policy admins/all that is all such a session can do.
  app.post('/setup', async (req) => service.begin(asUser(auth.requireUser(req, { allowRestricted: true }))))

  app.post<{ Body: { code: string } }>('/confirm', { schema: { body: ConfirmBody } }, async (req) => {
    const session = auth.requireUser(req, { allowRestricted: true })
    const out = service.confirm(asUser(session), req.body.code, session.sessionId)
    if (session.restricted !== undefined) auth.liftRestriction(session.sessionId)
    return { enabled: true, ...out }
  })

  app.get('/status', async (req) => service.status(asUser(auth.requireUser(req, { allowRestricted: true }))))

  app.post<{ Body: CodeFields }>('/disable', { schema: { body: CodeBody } }, async (req) => {
    const session = auth.requireUser(req)
    service.disable(asUser(session), req.body, session.sessionId)
    return { enabled: false }
  })

  app.post<{ Body: { code: string } }>('/recovery-codes', { schema: { body: ConfirmBody } }, async (req) =>
    service.regenerateRecoveryCodes(asUser(auth.requireUser(req)), req.body.code),
  )

  // Step-up: enter a code now so that sensitive actions in the next stepUpMinutes go through.
  app.post<{ Body: CodeFields }>('/verify', { schema: { body: CodeBody } }, async (req) => {
    const user = asUser(auth.requireUser(req))
    service.requireFreshCode(user, { action: 'verify', code: req.body.code ?? '', recoveryCode: req.body.recoveryCode })
    return { ok: true, freshUntil: service.freshUntil() }
  })

  // Second login step: the ticket from a TOTP_CODE_REQUIRED login answer, plus the code.
  app.post<{ Body: CodeFields & { ticket: string; session?: SessionMode } }>('/login', { schema: { body: LoginBody } }, async (req, reply) => {
    const userId = service.ticketUser(req.body.ticket)
    const user = auth.findUser(userId)
    if (!user || user.disabled || user.kind !== 'person') throw service.ticketError()
    service.check({ id: user.id, name: user.name, admin: user.admin }, req.body, 'login')
    service.consumeTicket(req.body.ticket)
    const session = auth.startSession(req, reply, user.id, req.body.session)
    req.log.info({ user: user.name }, 'login (second step)')
    return { ...session, user: user.name, admin: user.admin }
  })

  // Admin: turn TOTP off for a user who lost their device. Needs the admin's step-up.
  app.post<{ Body: CodeFields & { user: string } }>('/reset', { schema: { body: ResetBody } }, async (req) => {
    const session = auth.requireUser(req)
    if (!session.admin) throw new ChatError('CHATHUB_ADMIN_REQUIRED', 'This needs an admin account.', 403)
    const admin = asUser(session)
    const target = auth.findUser(req.body.user)
    if (!target) throw new ChatError('CHATHUB_USER_NOT_FOUND', `User "${req.body.user}" does not exist.`, 404)
    const { code, recoveryCode } = req.body
    service.requireFreshCode(admin, {
      action: 'totp.reset',
      ...(code !== undefined ? { code } : {}),
      ...(recoveryCode !== undefined ? { recoveryCode } : {}),
    })
    const had = service.reset({ id: target.id, name: target.name }, admin.name, { via: 'http' })
    return { user: target.name, reset: had }
  })
}
