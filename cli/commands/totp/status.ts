// `chathub totp status [USER]`: your two-factor status (from the hub), or USER's (admin, on the data directory).
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { TotpStatus } from '#plugins/totp/index'
import { openTotpDataDir } from './reset.ts'

export default class TotpStatusCommand extends ChathubCommand {
  static override summary = 'show whether two-factor login is on'
  static override description =
    'Without USER: your own account, asked from the hub of your session. With USER: that account, read from ' +
    'the data directory (admin; works while the hub runs).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> bob --json --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { user: Args.string({ description: 'user to inspect on the data directory (admin)' }) }
  static override flags = { ...dataFlags }

  async run(): Promise<TotpStatus> {
    const { args, flags } = await this.parse(TotpStatusCommand)
    let status: TotpStatus
    if (args.user === undefined) {
      const { apiCall } = await import('#cli/hub-client')
      status = await apiCall<TotpStatus>('/plugins/totp/status')
    } else {
      const name = args.user
      const { withAdmin } = await import('#cli/hub-data')
      const { requireUser } = await import('#core/users/queries')
      status = await withAdmin(flags, async (admin, db, config) => {
        const user = requireUser(db, name)
        return (await openTotpDataDir(admin, db, config)).status({ id: user.id, name: user.name, admin: user.isAdmin })
      })
    }
    const state = status.enabled ? 'on' : status.pending ? 'pending (confirm with `chathub totp confirm --code N`)' : 'off'
    this.log(`two-factor login for ${status.user}: ${state}${status.required ? ' (required by policy)' : ''}`)
    if (status.enabled) {
      this.log(`  ${status.algorithm}, ${status.digits} digits, ${status.period}s; recovery codes left: ${status.recoveryCodesLeft}`)
    }
    if (status.lockedUntil) this.log(`  locked after failed codes until ${status.lockedUntil}`)
    return status
  }
}
