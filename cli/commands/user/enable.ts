// `chathub user enable`: let a disabled account log in again.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class UserEnable extends ChathubCommand {
  static override summary = 'enable a disabled user account'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; disabled: false }> {
    const { args, flags } = await this.parse(UserEnable)
    const { withAdmin } = await import('#cli/hub-data')
    await withAdmin(flags, (admin) => admin.enableUser(args.name))
    this.log(`enabled ${args.name}`)
    return { name: args.name, disabled: false }
  }
}
