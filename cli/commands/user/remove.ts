// `chathub user remove`: delete an account; a running hub closes its open connections.
import { Args } from '@oclif/core'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class UserRemove extends ChathubCommand {
  static override summary = 'delete a user account and end its sessions'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; removed: true }> {
    const { args, flags } = await this.parse(UserRemove)
    const { withHubDb } = await import('#cli/hub-data')
    const { removeAccount } = await import('#core/users/accounts')
    await withHubDb(flags, (db) => removeAccount(db, args.name))
    this.log(`removed ${args.name}`)
    return { name: args.name, removed: true }
  }
}
