// The totp plugin: two-factor login with RFC 6238 codes, recovery codes and a policy. Its only entry:
// the plugin definition, plus what the admin CLI and dependant plugins (step-up) may use.
import { definePlugin } from '#core/plugin-api'
import { TotpConfigSchema } from './config.ts'
import { totpErrors } from './errors.ts'
import { registerTotpRoutes } from './routes.ts'
import { type CodeInput, TotpService } from './service.ts'

export { TotpConfigSchema, type TotpConfig } from './config.ts'
export { totpErrors, type TotpErrorCode } from './errors.ts'
export { TotpService, type TotpStatus, type TotpUser, type CodeInput } from './service.ts'
export { totpOnDataDir } from './admin.ts'

/**
 * What totp `provides` to plugins that declare it in `dependencies` (as `ctx.services.totp`).
 * A bots plugin marks a command sensitive and calls `requireFreshCode(userId, { action })` first:
 * it throws TOTP_STEP_UP_REQUIRED unless the user entered a code in the last `stepUpMinutes`
 * (or passes one as `code`).
 */
export interface TotpServices {
  requireFreshCode(userId: number, options: { action: string } & CodeInput): void
  isEnabled(userId: number): boolean
}

export default definePlugin({
  name: 'totp',
  version: '1.0.0',
  description: 'two-factor login: codes from an authenticator app (RFC 6238), recovery codes, a policy',
  /** Its tables (schema.ts); `npm run db:generate:plugin -- totp` adds a migration here. */
  migrations: new URL('./migrations/', import.meta.url),
  config: TotpConfigSchema,
  setup(ctx) {
    const service = new TotpService({
      db: ctx.db,
      serverKey: ctx.serverKey,
      config: ctx.config,
      now: ctx.now,
      audit: ctx.audit,
      log: ctx.log,
      endSessions: (userId, except) =>
        ctx.auth.endSessions(userId, { ...(except !== undefined ? { except } : {}), reason: 'two-factor login changed' }),
    })
    const provides: TotpServices = {
      requireFreshCode: (userId, options) => {
        const user = ctx.auth.findUser(userId)
        if (!user) throw totpErrors.stepUpRequired(ctx.config.stepUpMinutes)
        service.requireFreshCode({ id: user.id, name: user.name, admin: user.admin }, options)
      },
      isEnabled: (userId) => service.isEnabled(userId),
    }
    return {
      provides: { ...provides },
      routes: (app) => registerTotpRoutes(app, service, ctx.auth),
      onLogin(event) {
        if (ctx.config.policy === 'off') return
        const user = { id: event.userId, name: event.user, admin: event.admin }
        if (service.isEnabled(user.id)) {
          const { code, recoveryCode } = event.body
          if (!code && !recoveryCode) {
            const { ticket, expiresAt } = service.issueTicket(user.id)
            throw totpErrors.codeRequired({ ticket, ticketExpiresAt: expiresAt })
          }
          service.check(user, { code, recoveryCode }, 'login')
          return
        }
        // Required but not enrolled: a session that can only enrol.
        if (service.isRequired(user)) return { restricted: true }
      },
      // A password change (and any other step-up action of the core) needs a fresh code, as an
      // admin's reset does: one entered within stepUpMinutes, or `code`/`recoveryCode` now.
      onStepUp(event) {
        if (ctx.config.policy === 'off') return
        const { code, recoveryCode } = event.body
        service.requireFreshCode(
          { id: event.userId, name: event.user, admin: event.admin },
          {
            action: event.action,
            ...(code !== undefined ? { code } : {}),
            ...(recoveryCode !== undefined ? { recoveryCode } : {}),
          },
        )
      },
    }
  },
})
