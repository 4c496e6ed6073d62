// `chathub user list`: every account with its role and state.
import { type AccountView, accountView } from '#cli/admin'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class UserList extends ChathubCommand {
  static override summary = 'list user accounts'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<AccountView[]> {
    const { flags } = await this.parse(UserList)
    const { withHubDb } = await import('#cli/hub-data')
    const { listUsers } = await import('#core/users/queries')
    const users = await withHubDb(flags, (db) => listUsers(db).map(accountView))
    if (users.length === 0) this.log('no users yet; add one with `chathub user add NAME --admin`')
    for (const u of users) {
      const tags = [
        u.admin ? 'admin' : '',
        u.kind === 'person' ? '' : u.kind,
        u.disabled ? 'disabled' : '',
      ]
      this.log(`${u.name.padEnd(24)} ${tags.filter(Boolean).join(', ')}`.trimEnd())
    }
    return users
  }
}
