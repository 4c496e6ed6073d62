// `chathub user remove`: delete an account; a running hub closes its open connections. With the totp
// plugin enabled, the acting admin (--as) proves a fresh code first (step-up, audited).
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class UserRemove extends ChathubCommand {
  static override summary = 'delete a user account and end its sessions'
  static override description =
    'Works on the data directory, also while the hub runs. When plugins.totp is enabled, name the acting admin ' +
    'with --as; if that admin has two-factor login, give a current code (or recovery code) with --code, unless ' +
    'one was entered within plugins.totp.stepUpMinutes. The step-up is written to the audit log.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --data-dir ./data',
    '<%= config.bin %> <%= command.id %> bob --as alice --code 123456',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = {
    ...dataFlags,
    as: Flags.string({
      summary: 'the admin doing the removal (step-up is checked for this account)',
    }),
    code: Flags.string({ summary: 'a current code (or recovery code) of the --as admin' }),
  }

  async run(): Promise<{ name: string; removed: true }> {
    const { args, flags } = await this.parse(UserRemove)
    const { withAdmin } = await import('#cli/hub-data')
    const { requireUser } = await import('#core/users/queries')
    const { ChatError, coreErrors } = await import('#core/errors')
    await withAdmin(flags, async (adminService, db, config) => {
      requireUser(db, args.name) // a missing user fails before a code is spent
      const totp = config.plugins.totp
      if (totp !== undefined && totp.enabled !== false) {
        if (!flags.as) {
          throw new ChatError(
            'TOTP_STEP_UP_REQUIRED',
            'Two-factor login is enabled on this hub: name the acting admin with --as NAME (and their current code with --code).',
            403,
          )
        }
        const admin = requireUser(db, flags.as)
        if (!admin.isAdmin) throw coreErrors.adminRequired()
        const { openTotpDataDir } = await import('#cli/commands/totp/reset')
        // Not inside the removal's transaction: a wrong code must stay counted (lock-out) when the
        // removal does not happen.
        const service = await openTotpDataDir(adminService, db, config)
        service.requireFreshCode(
          { id: admin.id, name: admin.name, admin: true },
          { action: 'user.remove', ...(flags.code !== undefined ? { code: flags.code } : {}) },
        )
      }
      adminService.removeUser(args.name)
    })
    this.log(`removed ${args.name}`)
    return { name: args.name, removed: true }
  }
}
