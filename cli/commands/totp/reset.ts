// `chathub totp reset USER` (admin, on the data directory): turn two-factor login off for a user who
// lost their device. Needs the acting admin's step-up (a fresh code); every session of USER ends.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { AdminService } from '#core/admin/admin-service'
import type { HubConfig } from '#core/config'
import type { Db } from '#core/db/client'
import type { TotpService } from '#plugins/totp/index'

/**
 * The totp service on the data directory (same rules and audit rows as the running hub); the sessions
 * it ends are revoked through the admin service (running hubs close their sockets).
 */
export const openTotpDataDir = async (admin: AdminService, db: Db, config: HubConfig): Promise<TotpService> => {
  const { loadServerKey } = await import('#core/keys/server-key')
  const { appendAudit } = await import('#core/audit/audit-log')
  const { totpOnDataDir } = await import('#plugins/totp/index')
  return totpOnDataDir({
    db,
    serverKey: loadServerKey(config.dataDir, config.serverKey).key,
    pluginConfig: config.plugins.totp,
    audit: (entry) => void appendAudit(db, entry),
    revokeAll: (userId) => admin.revokeSessions(userId),
  })
}

export default class TotpReset extends ChathubCommand {
  static override summary = 'turn off two-factor login for a user who lost their device'
  static override description =
    'Works on the data directory, also while the hub runs (their sessions and connections end). The acting ' +
    'admin (--as) proves a fresh code (--code, or one entered within plugins.totp.stepUpMinutes). If no admin ' +
    'can (the only admin lost their device), --break-glass skips the step-up; the audit log records it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob --as alice --code 123456',
    '<%= config.bin %> <%= command.id %> alice --break-glass --data-dir /var/lib/chathub',
  ]
  static override enableJsonFlag = true
  static override args = { user: Args.string({ description: 'user whose two-factor login to reset', required: true }) }
  static override flags = {
    ...dataFlags,
    as: Flags.string({ summary: 'the admin doing the reset (step-up is checked for this account)' }),
    code: Flags.string({ summary: "a current code (or recovery code) of the --as admin" }),
    'break-glass': Flags.boolean({ summary: 'reset without an admin step-up (recorded in the audit log)', exclusive: ['as'] }),
  }

  async run(): Promise<{ user: string; reset: boolean }> {
    const { args, flags } = await this.parse(TotpReset)
    const { withAdmin } = await import('#cli/hub-data')
    const { requireUser } = await import('#core/users/queries')
    const { coreErrors } = await import('#core/errors')
    const reset = await withAdmin(flags, async (adminService, db, config) => {
      const service = await openTotpDataDir(adminService, db, config)
      const target = requireUser(db, args.user)
      // The plugin's rows, the audit row and the revoked sessions in one transaction.
      const resetBy = (actor: string, detail: Record<string, unknown>) =>
        adminService.pluginChange('totp', () => service.reset(target, actor, detail), { userId: target.id })
      if (flags['break-glass']) return resetBy('data-dir', { via: 'cli', breakGlass: true })
      if (!flags.as) this.error('name the acting admin with --as NAME (or use --break-glass)', { code: 'TOTP_STEP_UP_REQUIRED', exit: 2 })
      const admin = requireUser(db, flags.as)
      if (!admin.isAdmin) throw coreErrors.adminRequired()
      service.requireFreshCode(
        { id: admin.id, name: admin.name, admin: true },
        { action: 'totp.reset', ...(flags.code !== undefined ? { code: flags.code } : {}) },
      )
      return resetBy(admin.name, { via: 'cli' })
    })
    if (flags['break-glass']) this.warn('reset without step-up (break glass); this is in the audit log')
    this.log(
      reset
        ? `two-factor login of ${args.user} is off; their sessions were ended (they can enrol again with \`chathub totp setup\`)`
        : `${args.user} had no two-factor login; their sessions were ended`,
    )
    return { user: args.user, reset }
  }
}
