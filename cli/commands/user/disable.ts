// `chathub user disable`: block logins and end every session (a running hub closes the sockets).
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class UserDisable extends ChathubCommand {
  static override summary = 'disable a user account and end its sessions'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; disabled: true }> {
    const { args, flags } = await this.parse(UserDisable)
    const { withAdmin } = await import('#cli/hub-data')
    await withAdmin(flags, (admin) => admin.disableUser(args.name))
    this.log(
      `disabled ${args.name}; their sessions ended (enable with \`chathub user enable ${args.name}\`)`,
    )
    return { name: args.name, disabled: true }
  }
}
